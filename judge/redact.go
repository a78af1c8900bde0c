package judge

import "github.com/loupe-dev/loupe/vlm"

// RedactResult removes the backend's API key (read from its api_key_env) from every part of a result
// that is stored or printed: the defensive pass where results are stored, for paths that hold no
// Client (answers from the cache, batch files).
func RedactResult(b *vlm.Backend, r Result) Result { return redactResult(r, b.Redactor()) }

// redactResult removes the key from a result's texts and body. A failure whose redaction changed
// nothing keeps its error value (callers match it with errors.As).
func redactResult(r Result, red vlm.Redactor) Result {
	if !red.Active() {
		return r
	}
	r.Justification = red.String(r.Justification)
	r.Raw = red.String(r.Raw)
	r.Error = red.String(r.Error)
	r.Skipped = red.String(r.Skipped)
	r.Response = red.JSON(r.Response)
	r.Err = red.Error(r.Err)
	return r
}
