package vlm

import (
	"github.com/loupe-dev/loupe/internal/redact"
)

// Redactor removes one API key, in any spelling (see package redact), from text bound for the
// workspace, a log or the terminal. The zero value removes nothing.
type Redactor struct{ key string }

// Redactor returns the redactor of the backend's API key (read from its api_key_env): the defensive
// pass for paths that hold no Client (answers from the cache).
func (b *Backend) Redactor() Redactor {
	key, _ := b.APIKey()
	return Redactor{key: key}
}

// Redactor returns the redactor of the client's API key.
func (c *Client) Redactor() Redactor { return Redactor{key: c.key} }

// Active reports whether there is a key to remove (one of at least redact.MinLen characters).
func (r Redactor) Active() bool { return len(r.key) >= redact.MinLen }

// String removes the key from s.
func (r Redactor) String(s string) string { return redact.String(s, r.key) }

// JSON removes the key from a JSON body, which stays valid JSON.
func (r Redactor) JSON(b []byte) []byte { return redact.JSON(b, r.key) }

// Error returns err with the key removed from its message. An error whose message holds no key is
// returned as it is; one that did is wrapped, so errors.Is and errors.As keep working (the wrapped
// error's own message is never printed through it).
func (r Redactor) Error(err error) error {
	if err == nil || !r.Active() {
		return err
	}
	if msg := err.Error(); redact.Contains([]byte(msg), r.key) {
		return redactedError{redact.String(msg, r.key), err}
	}
	return err
}

// Redact removes the client's API key, in any spelling, from text bound for the workspace, a log or
// the terminal.
func (c *Client) Redact(s string) string { return redact.String(s, c.key) }

// RedactBody removes the client's API key from a response body, which stays valid JSON.
func (c *Client) RedactBody(b []byte) []byte { return redact.JSON(b, c.key) }

// redactedError is an error whose message had the key in it.
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
