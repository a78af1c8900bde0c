package serve

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Roles an annotator may have.
const (
	RoleAnnotator = "annotator" // reviews items
	RoleLead      = "lead"      // also adjudicates, sees the team view, and may re-judge
)

// maxNameLen bounds an annotator's name (it is recorded with every event).
const maxNameLen = 64

// Annotator is one line of the annotators file: who a public key belongs to.
type Annotator struct {
	Name   string          // recorded on every event this key makes
	Role   string          // RoleAnnotator or RoleLead
	Queues []string        // queues this person may review; empty: the server's queues
	Key    gossh.PublicKey // the public key that identifies them
	Line   int             // line in the file (1-based)
}

// Annotators maps public keys to the people they belong to.
type Annotators struct {
	byKey map[string]*Annotator
	list  []*Annotator
}

// Lookup returns the annotator a public key belongs to, or false for an unknown key.
func (a *Annotators) Lookup(key gossh.PublicKey) (Annotator, bool) {
	if a == nil || key == nil {
		return Annotator{}, false
	}
	p, ok := a.byKey[string(key.Marshal())]
	if !ok {
		return Annotator{}, false
	}
	return *p, true
}

// HasName reports whether some key of the file belongs to name.
func (a *Annotators) HasName(name string) bool {
	if a == nil {
		return false
	}
	for _, an := range a.list {
		if an.Name == name {
			return true
		}
	}
	return false
}

// Len is the number of keys.
func (a *Annotators) Len() int {
	if a == nil {
		return 0
	}
	return len(a.list)
}

// maxLine bounds one line of the annotators file (an RSA-16384 key is under 3 KB in base64).
const maxLine = 16 << 10

// ParseAnnotators reads an annotators file: one key per line as
//
//	name ssh-ed25519 AAAA... [comment] [role=lead] [queues=a,b]
//
// like authorized_keys with the annotator's name first. Blank lines and lines starting with # are
// skipped. Words after the key without "=" are a comment and ignored; role= is annotator (the default)
// or lead; queues= lists the queues the person may review, in order (the first is opened). A key may
// appear only once. Errors name the line.
func ParseAnnotators(r io.Reader) (*Annotators, error) {
	a := &Annotators{byKey: map[string]*Annotator{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		an, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		an.Line = n
		k := string(an.Key.Marshal())
		if prev, ok := a.byKey[k]; ok {
			return nil, fmt.Errorf("line %d: the same key as line %d (%s)", n, prev.Line, prev.Name)
		}
		a.byKey[k] = an
		a.list = append(a.list, an)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: longer than %d bytes", n+1, maxLine)
		}
		return nil, err
	}
	return a, nil
}

func parseLine(line string) (*Annotator, error) {
	f := strings.Fields(line)
	if len(f) < 3 {
		return nil, errors.New(`want "name key-type base64-key [role=lead] [queues=a,b]"`)
	}
	an := &Annotator{Name: f[0], Role: RoleAnnotator}
	if err := checkName(an.Name); err != nil {
		return nil, err
	}
	key, _, _, _, err := gossh.ParseAuthorizedKey([]byte(f[1] + " " + f[2]))
	if err != nil {
		return nil, fmt.Errorf("%s's key: %v", an.Name, err)
	}
	an.Key = key
	seen := map[string]bool{}
	for _, w := range f[3:] {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			continue // a comment, as in authorized_keys
		}
		if seen[k] {
			return nil, fmt.Errorf("%s given twice", k)
		}
		seen[k] = true
		switch k {
		case "role":
			if v != RoleAnnotator && v != RoleLead {
				return nil, fmt.Errorf("role=%q: want annotator or lead", v)
			}
			an.Role = v
		case "queues":
			for _, q := range strings.Split(v, ",") {
				if q == "" {
					return nil, fmt.Errorf("queues=%q: an empty queue name", v)
				}
				if err := checkName(q); err != nil {
					return nil, fmt.Errorf("queues: %w", err)
				}
				an.Queues = append(an.Queues, q)
			}
		default:
			return nil, fmt.Errorf("unknown option %q (want role= or queues=)", k)
		}
	}
	return an, nil
}

// checkName accepts names of letters, digits and . _ @ + - (recorded on events and shown on screens).
func checkName(s string) error {
	if s == "" || len(s) > maxNameLen {
		return fmt.Errorf("name %q: want 1 to %d characters", s, maxNameLen)
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("._@+-", r):
		default:
			return fmt.Errorf("name %q: only letters, digits and . _ @ + - are allowed", s)
		}
	}
	return nil
}

// annotatorsFile is the annotators file, read again whenever its modification time or size changes
// (checked on every authentication). A file that stops parsing keeps the last good version and the
// error is reported through logf.
type annotatorsFile struct {
	path string
	logf func(format string, args ...any)

	mu    sync.Mutex
	mtime time.Time
	size  int64
	cur   *Annotators
}

// loadAnnotatorsFile reads path once; an error here stops the server from starting.
func loadAnnotatorsFile(path string, logf func(string, ...any)) (*annotatorsFile, error) {
	f := &annotatorsFile{path: path, logf: logf}
	if err := f.reload(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *annotatorsFile) reload() error {
	st, err := os.Stat(f.path)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return err
	}
	a, err := ParseAnnotators(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s: %w", f.path, err)
	}
	f.cur, f.mtime, f.size = a, st.ModTime(), st.Size()
	return nil
}

// get returns the current annotators, rereading the file when it changed.
func (f *annotatorsFile) get() *Annotators {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, err := os.Stat(f.path)
	if err != nil {
		f.logf("annotators file: %v (keeping the last version read)", err)
		return f.cur
	}
	if st.ModTime().Equal(f.mtime) && st.Size() == f.size {
		return f.cur
	}
	if err := f.reload(); err != nil {
		f.logf("annotators file: %v (keeping the last version read)", err)
		f.mtime, f.size = st.ModTime(), st.Size() // report a bad version once
		return f.cur
	}
	f.logf("annotators file: reloaded, %d keys", f.cur.Len())
	return f.cur
}
