package judge

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/loupe-dev/loupe/vlm"
)

// OpenAI Batch API limits per input file.
const (
	BatchMaxLines = 50_000
	BatchMaxBytes = 200 << 20
)

// BatchWriter writes OpenAI Batch API input lines ({"custom_id", "method", "url", "body"}; the same
// files run under `vllm run-batch`), starting a new file before one would pass the line or size limit.
// The first file is PATH itself; later ones are PATH with -002, -003... before the extension. Each file
// is written under a temporary name and renamed when complete.
type BatchWriter struct {
	Path     string
	MaxLines int // default BatchMaxLines
	MaxBytes int // default BatchMaxBytes
	Files    []string
	Lines    int

	f     *os.File
	w     *bufio.Writer
	tmp   string
	lines int
	size  int
}

// batchPath names the n-th (1-based) file of a split batch.
func batchPath(path string, n int) string {
	if n == 1 {
		return path
	}
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s-%03d%s", strings.TrimSuffix(path, ext), n, ext)
}

// Add writes one request line.
func (bw *BatchWriter) Add(customID string, body []byte) error {
	maxL, maxB := bw.MaxLines, bw.MaxBytes
	if maxL <= 0 {
		maxL = BatchMaxLines
	}
	if maxB <= 0 {
		maxB = BatchMaxBytes
	}
	line, err := json.Marshal(struct {
		CustomID string          `json:"custom_id"`
		Method   string          `json:"method"`
		URL      string          `json:"url"`
		Body     json.RawMessage `json:"body"`
	}{customID, "POST", "/v1/chat/completions", body})
	if err != nil {
		return err
	}
	line = append(line, '\n')
	if len(line) > maxB {
		return fmt.Errorf("batch line %s is %d bytes, more than a batch file may hold (%d): lower max_image_side", customID, len(line), maxB)
	}
	if bw.f != nil && (bw.lines+1 > maxL || bw.size+len(line) > maxB) {
		if err := bw.finish(); err != nil {
			return err
		}
	}
	if bw.f == nil {
		final := batchPath(bw.Path, len(bw.Files)+1)
		f, err := os.CreateTemp(filepath.Dir(final), "."+filepath.Base(final)+".tmp*")
		if err != nil {
			return err
		}
		bw.f, bw.w, bw.tmp, bw.lines, bw.size = f, bufio.NewWriterSize(f, 1<<20), final, 0, 0
	}
	if _, err := bw.w.Write(line); err != nil {
		return err
	}
	bw.lines++
	bw.size += len(line)
	bw.Lines++
	return nil
}

func (bw *BatchWriter) finish() error {
	if bw.f == nil {
		return nil
	}
	f := bw.f
	bw.f = nil
	if err := bw.w.Flush(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), bw.tmp); err != nil {
		os.Remove(f.Name())
		return err
	}
	bw.Files = append(bw.Files, bw.tmp)
	return nil
}

// Current is the file the last line went to.
func (bw *BatchWriter) Current() string { return batchPath(bw.Path, len(bw.Files)+1) }

// Close completes the last file.
func (bw *BatchWriter) Close() error { return bw.finish() }

// Abort removes the file being written (the completed ones stay).
func (bw *BatchWriter) Abort() {
	if bw.f != nil {
		bw.f.Close()
		os.Remove(bw.f.Name())
		bw.f = nil
	}
}

// BatchResult is one line of a batch output file.
type BatchResult struct {
	Line     int
	CustomID string
	Status   int    // response.status_code (0 when the line carries an error instead)
	Body     []byte // response.body, a chat completion
	Error    string // the line's error, or why it could not be read
}

// ReadBatchResults reads a batch output file (OpenAI's or vllm run-batch's envelope:
// {"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}; very old vLLM put the
// completion itself in "response"). Lines come in any order; a line that cannot be read is returned with
// its Error and line number.
func ReadBatchResults(r io.Reader, fn func(BatchResult) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		res := BatchResult{Line: n}
		var env struct {
			CustomID string          `json:"custom_id"`
			Response json.RawMessage `json:"response"`
			Error    json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(line, &env); err != nil {
			res.Error = "not a JSON object: " + err.Error()
		} else {
			res.CustomID = env.CustomID
			if len(env.Error) > 0 && string(env.Error) != "null" {
				_, _, msg := vlm.ErrorBody([]byte(`{"error":` + string(env.Error) + `}`))
				res.Error = "error: " + msg
			}
			var resp struct {
				StatusCode int             `json:"status_code"`
				Body       json.RawMessage `json:"body"`
				Choices    json.RawMessage `json:"choices"`
			}
			if len(env.Response) > 0 && string(env.Response) != "null" && json.Unmarshal(env.Response, &resp) == nil {
				switch {
				case len(resp.Body) > 0:
					res.Status, res.Body = resp.StatusCode, resp.Body
					if res.Status/100 != 2 && res.Error == "" {
						_, _, msg := vlm.ErrorBody(resp.Body)
						res.Error = fmt.Sprintf("HTTP %d: %s", res.Status, msg)
					}
				case len(resp.Choices) > 0: // the completion itself (old vLLM)
					res.Status, res.Body = 200, env.Response
				}
			}
			if res.Body == nil && res.Error == "" {
				res.Error = "no response body"
			}
			if res.CustomID == "" {
				res.Error = "no custom_id"
			}
		}
		if err := fn(res); err != nil {
			return err
		}
	}
	return sc.Err()
}
