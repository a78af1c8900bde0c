package vlm

import (
	"testing"

	"github.com/loupe-dev/loupe/internal/fuzzcheck"
	"github.com/loupe-dev/loupe/judge/judgetest"
)

// FuzzErrorBody feeds error bodies to the reader of every server's error shape and to the classifier.
func FuzzErrorBody(f *testing.F) {
	for _, s := range []string{judgetest.VLLMFlatError, judgetest.OllamaNativeError,
		`{"error": {"message": "quota", "type": "insufficient_quota", "code": "insufficient_quota"}}`,
		`{"error": {"code": 400, "message": "exceed_context_size_error", "type": "invalid_request_error"}}`,
		`<html>502 Bad Gateway</html>`} {
		f.Add([]byte(s), uint16(400))
	}
	f.Fuzz(func(t *testing.T, raw []byte, status uint16) {
		fuzzcheck.Check(t, len(raw), func() {
			e := classify(int(status), raw)
			if e.Class == "" {
				t.Errorf("no class for %d %q", status, raw)
			}
			_ = e.Error()
		})
	})
}
