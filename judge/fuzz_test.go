package judge

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/loupe-dev/loupe/internal/fuzzcheck"
	"github.com/loupe-dev/loupe/judge/judgetest"
)

// completionSeeds are chat-completion bodies of the answers the verdict tests cover.
func completionSeeds(tb testing.TB) [][]byte {
	var out [][]byte
	for _, r := range []judgetest.Reply{
		{Content: `{"justification": "fine", "score": 8}`},
		{Content: "```json\n{\"justification\": \"fine\", \"score\": 7}\n```"},
		{Content: `{"justification": "fine", "score": 6,}`},
		{Content: `{'justification': 'ok', 'score': 5}`},
		{Content: `Here is my verdict: {"justification": "x", "score": 9} Hope it helps.`},
		{Refusal: "I can't help with that."},
		{FinishReason: "content_filter"},
		{Content: `{"justification": "The image shows a long`, FinishReason: "length"},
		{Content: `{"justification": "x", "score": "8"}`},
		{Content: `{"justification": "x", "score": 11}`},
	} {
		msg := map[string]any{"role": "assistant", "content": r.Content}
		if r.Refusal != "" {
			msg["content"], msg["refusal"] = nil, r.Refusal
		}
		fr := r.FinishReason
		if fr == "" {
			fr = "stop"
		}
		b, err := json.Marshal(map[string]any{"choices": []any{map[string]any{"message": msg, "finish_reason": fr}},
			"usage": map[string]any{"prompt_tokens": 900, "completion_tokens": 20}})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return append(out, []byte(`{"choices": []}`), []byte(`not json`), []byte(judgetest.VLLMFlatError))
}

// FuzzInterpret feeds response bodies to the judge's verdict reading (the chat completion, then the
// PRISM-Bench verdict in its text): a result is a verdict in 0-10 or a failure, never both or neither.
func FuzzInterpret(f *testing.F) {
	for _, s := range completionSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzcheck.Check(t, len(body), func() {
			r := Interpret(body)
			if (r.Value == nil) == (r.Error == "") {
				t.Errorf("score %v with failure %q", r.Value, r.Error)
			}
			if r.Value != nil && (*r.Value < 0 || *r.Value > 10) {
				t.Errorf("score %v outside 0-10", *r.Value)
			}
		})
	})
}

// FuzzReadBatchResults feeds batch output files to the batch reader.
func FuzzReadBatchResults(f *testing.F) {
	body := completionSeeds(f)[0]
	line := func(v any) []byte { b, _ := json.Marshal(v); return b }
	f.Add(bytes.Join([][]byte{
		line(map[string]any{"id": "batch_req_1", "custom_id": "k1", "response": map[string]any{"status_code": 200, "body": json.RawMessage(body)}}),
		line(map[string]any{"custom_id": "k2", "response": nil, "error": map[string]any{"code": "x", "message": "failed"}}),
		line(map[string]any{"custom_id": "k3", "response": json.RawMessage(body)}),
		[]byte("not json"),
	}, []byte("\n")))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzcheck.Check(t, len(data), func() {
			lines := 0
			err := ReadBatchResults(bytes.NewReader(data), func(r BatchResult) error {
				lines++
				if r.Line < lines {
					t.Errorf("line %d after %d results", r.Line, lines)
				}
				return nil
			})
			if err != nil && len(data) < 1<<20 {
				t.Errorf("error on a short file: %v", err)
			}
		})
	})
}
