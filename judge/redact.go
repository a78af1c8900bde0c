package judge

import (
	"github.com/loupe-dev/loupe/internal/redact"
)

// Redact removes the client's API key, in any spelling (see package redact), from text bound for the
// workspace, a log or the terminal.
func (c *Client) Redact(s string) string { return redact.String(s, c.key) }

// RedactBody removes the client's API key from a response body, which stays valid JSON.
func (c *Client) RedactBody(b []byte) []byte { return redact.JSON(b, c.key) }

// RedactResult removes the backend's API key (read from its api_key_env) from every part of a result
// that is stored or printed: the defensive pass where results are stored, for paths that hold no
// Client (answers from the cache).
func (b *Backend) RedactResult(r Result) Result {
	key, _ := b.APIKey()
	return redactResult(r, key)
}

// redactResult removes key from a result's texts and body. A failure whose redaction changed nothing
// keeps its error value (callers match it with errors.As).
func redactResult(r Result, key string) Result {
	if len(key) < redact.MinLen {
		return r
	}
	r.Justification = redact.String(r.Justification, key)
	r.Raw = redact.String(r.Raw, key)
	r.Failure = redact.String(r.Failure, key)
	r.Skipped = redact.String(r.Skipped, key)
	r.Body = redact.JSON(r.Body, key)
	if r.Err != nil {
		if msg := r.Err.Error(); redact.Contains([]byte(msg), key) {
			r.Err = redactedError{redact.String(msg, key), r.Err}
		}
	}
	return r
}

// redactedError is an error whose message had the key in it; Unwrap keeps errors.Is and errors.As
// working (the wrapped error's own message is never printed through it).
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

// redactCallError removes the key (and its start, see redact.Message) from what a failed call reports.
func redactCallError(e *CallError, key string) {
	for _, s := range []*string{&e.Message, &e.Code, &e.Type} {
		*s = redact.Message(*s, key)
	}
}
