package judge

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBatchWriterSplits(t *testing.T) {
	dir := t.TempDir()
	bw := &BatchWriter{Path: filepath.Join(dir, "b.jsonl"), MaxLines: 3, MaxBytes: 400}
	for i := range 8 {
		body := fmt.Sprintf(`{"model":"m","messages":[{"role":"user","content":%q}]}`, strings.Repeat("x", 10*i))
		if err := bw.Add(fmt.Sprintf("id-%d", i), []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.Close(); err != nil {
		t.Fatal(err)
	}
	if bw.Lines != 8 || len(bw.Files) < 3 || bw.Files[0] != filepath.Join(dir, "b.jsonl") || bw.Files[1] != filepath.Join(dir, "b-002.jsonl") {
		t.Fatalf("files %v, lines %d", bw.Files, bw.Lines)
	}
	seen := 0
	for _, f := range bw.Files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 400 {
			t.Errorf("%s is %d bytes", f, len(b))
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		n := 0
		for sc.Scan() {
			var l struct {
				CustomID string          `json:"custom_id"`
				Method   string          `json:"method"`
				URL      string          `json:"url"`
				Body     json.RawMessage `json:"body"`
			}
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.Method != "POST" || l.URL != "/v1/chat/completions" || l.CustomID != fmt.Sprintf("id-%d", seen) {
				t.Errorf("%s line %d: %v %+v", f, n, err, l)
			}
			n++
			seen++
		}
		if n > 3 {
			t.Errorf("%s has %d lines", f, n)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != len(bw.Files) {
		t.Errorf("temporary files left: %d entries for %d files", len(entries), len(bw.Files))
	}
	if err := bw.Add("huge", []byte(`"`+strings.Repeat("y", 500)+`"`)); err == nil {
		t.Error("a line larger than a whole file was accepted")
	}
}

func TestReadBatchResults(t *testing.T) {
	in := strings.Join([]string{
		`{"id":"1","custom_id":"a","response":{"status_code":200,"request_id":"r","body":{"choices":[{"message":{"content":"{\"justification\":\"x\",\"score\":7}"},"finish_reason":"stop"}]}},"error":null}`,
		`{"id":"2","custom_id":"b","response":{"status_code":400,"body":{"error":{"message":"bad image","type":"invalid_request_error"}}},"error":null}`,
		`{"id":"3","custom_id":"c","response":null,"error":{"code":"batch_expired","message":"expired"}}`,
		`{"id":"4","custom_id":"d","response":{"id":"x","choices":[{"message":{"content":"{\"score\":3, \"justification\":\"old vllm\"}"}}]}}`,
		`not json`,
		``,
	}, "\n")
	var got []BatchResult
	if err := ReadBatchResults(strings.NewReader(in), func(r BatchResult) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("%d results", len(got))
	}
	if got[0].Error != "" || Interpret(got[0].Body).Value == nil || *Interpret(got[0].Body).Value != 7 {
		t.Errorf("ok line: %+v", got[0])
	}
	if !strings.Contains(got[1].Error, "HTTP 400: bad image") || !strings.Contains(got[2].Error, "expired") {
		t.Errorf("failed lines: %q %q", got[1].Error, got[2].Error)
	}
	if got[3].Error != "" || *Interpret(got[3].Body).Value != 3 {
		t.Errorf("old vLLM envelope: %+v", got[3])
	}
	if got[4].Line != 5 || !strings.Contains(got[4].Error, "not a JSON object") {
		t.Errorf("bad line: %+v", got[4])
	}
}
