package export

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Record is one exported item: what a trainer or a hub needs, and where every value came from.
type Record struct {
	ID        string                       `json:"id"`   // the item's external id (never used raw as a path: see SafeName)
	Kind      string                       `json:"kind"` // "sample" or "generation"
	Subset    string                       `json:"subset,omitempty"`
	Track     string                       `json:"track,omitempty"`
	Model     string                       `json:"model,omitempty"`
	Image     []byte                       `json:"-"`                    // the encoded picture, bytes as stored (nil: none)
	ImageExt  string                       `json:"-"`                    // "jpg", "png", "webp", "gif" from the bytes ("" when none)
	Texts     map[string]map[string]string `json:"texts,omitempty"`      // kind -> lang ("en", "zh") -> text; kinds are caption kinds and "prompt"
	Values    map[string]Value             `json:"values,omitempty"`     // dimension -> final value
	Decision  string                       `json:"decision"`             // accepted, rejected, unreviewed, flagged
	DecidedBy string                       `json:"decided_by,omitempty"` // annotators (or adjudicator) behind the decision
	History   History                      `json:"history"`
}

// Value is a dimension's final value and its provenance: a human's value where one was given (the
// latest, or the adjudicated one), else the pipeline's score, else the judge's verdict.
type Value struct {
	Value      float64 `json:"value"`
	Source     string  `json:"source"`           // "human", "pipeline" or "judge"
	Who        string  `json:"who,omitempty"`    // annotator, judge rater; "" for the pipeline
	When       string  `json:"when,omitempty"`   // RFC 3339, when known
	RubricHash string  `json:"rubric,omitempty"` // a judge verdict's rubric text hash
}

// History summarises an item's human history.
type History struct {
	Events     int    `json:"events"`
	Annotators int    `json:"annotators"`
	Accepts    int    `json:"accepts"`
	Rejects    int    `json:"rejects"`
	Flags      int    `json:"flags"`
	Undos      int    `json:"undos"`
	Last       string `json:"last,omitempty"` // time of the latest event
}

// Writer writes records in one format. Write is called in item order; Close completes the output (every
// file written under a temporary name and renamed when complete); Abort removes what is unfinished.
type Writer interface {
	Write(r *Record) error
	Close() error
	Abort()
	// Files lists the completed output files (relative to the output path) so far.
	Files() []string
}

// Options are the writers' settings.
type Options struct {
	Out        string // output file (jsonl, csv) or folder (parquet, hf, webdataset)
	Force      bool   // replace an existing output
	Resume     bool   // keep finished shards of an interrupted export and continue after them
	ShardRows  int    // parquet, webdataset: records per shard (0: the format's default)
	ShardBytes int64  // parquet, webdataset: bytes per shard, approximately (0: the format's default)
	Card       Card   // hf: what the dataset card states
}

// Card is what a hub dataset card states about an export.
type Card struct {
	Title      string
	Filter     string         // the query, in loupe's filter syntax
	Count      int            // records
	ByDecision map[string]int // records per decision
	Workspace  string
	Created    string
	Provenance string // a sentence on where values come from
}

// Formats lists the export formats.
var Formats = []string{"jsonl", "csv", "parquet", "hf", "webdataset"}

// ErrExists says the output exists and --force was not given.
var ErrExists = errors.New("the output exists (use --force to replace it, or --resume to continue it)")

// SafeName turns an item id into a file name that stays inside the output folder: path separators, NUL,
// control characters and characters that are trouble on common file systems become "_", dots cannot
// start it ("..", hidden files), and a long or changed name keeps a short hash of the id so that two
// ids never share a name.
func SafeName(id string) string {
	var b strings.Builder
	changed := false
	for _, r := range id {
		switch {
		case r == '/' || r == '\\' || r == 0 || r == ':' || r == '*' || r == '?' || r == '"' || r == '<' || r == '>' || r == '|':
			b.WriteByte('_')
			changed = true
		case unicode.IsControl(r) || r == utf8.RuneError || !unicode.IsPrint(r):
			b.WriteByte('_')
			changed = true
		default:
			b.WriteRune(r)
		}
	}
	s := b.String()
	if t := strings.TrimLeft(s, ". "); t != s {
		s, changed = "_"+t, true
	}
	if s == "" || s == "_" {
		s, changed = "item", true
	}
	const maxBytes = 120
	if len(s) > maxBytes {
		cut := maxBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s, changed = s[:cut], true
	}
	if changed {
		h := sha256.Sum256([]byte(id))
		s += "-" + hex.EncodeToString(h[:4])
	}
	return s
}

// ImageExt names the format of encoded picture bytes ("" when unknown).
func ImageExt(b []byte) string {
	switch http.DetectContentType(b) {
	case "image/jpeg":
		return "jpg"
	case "image/png":
		return "png"
	case "image/webp":
		return "webp"
	case "image/gif":
		return "gif"
	case "image/bmp":
		return "bmp"
	}
	return ""
}

// Prepare checks the output path: an existing output is an error unless force (it is removed) or resume.
func Prepare(out string, force, resume bool) error {
	if out == "" {
		return errors.New("no output path (--out)")
	}
	_, err := os.Lstat(out)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case resume:
		return nil
	case !force:
		return fmt.Errorf("%s: %w", out, ErrExists)
	}
	return os.RemoveAll(out)
}

// AtomicFile is a file written under a temporary name in its final folder and renamed into place by
// Commit, so a half-written file is never visible under its name.
type AtomicFile struct {
	*os.File
	final string
}

// CreateAtomic starts an atomic file.
func CreateAtomic(final string) (*AtomicFile, error) {
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(final), "."+filepath.Base(final)+".tmp*")
	if err != nil {
		return nil, err
	}
	return &AtomicFile{File: f, final: final}, nil
}

// Commit syncs, closes and renames the file into place.
func (a *AtomicFile) Commit() error {
	if err := a.Chmod(0o644); err != nil {
		a.Abort()
		return err
	}
	if err := a.Close(); err != nil {
		os.Remove(a.Name())
		return err
	}
	return os.Rename(a.Name(), a.final)
}

// Abort closes and removes the temporary file.
func (a *AtomicFile) Abort() {
	a.Close()
	os.Remove(a.Name())
}

var _ io.Writer = (*AtomicFile)(nil)
