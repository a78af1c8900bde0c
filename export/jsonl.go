package export

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/review"
)

// New returns the writer for a format (one of Formats).
func New(format string, o Options) (Writer, error) {
	switch format {
	case "jsonl":
		return NewJSONL(o)
	case "csv":
		return NewCSV(o)
	case "parquet":
		return NewParquet(o)
	case "hf":
		return NewHF(o)
	case "webdataset":
		return NewWebDataset(o)
	}
	return nil, fmt.Errorf("unknown export format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// exportNow is the clock behind the export time (tar member times, the card's date) when Card.Created is not
// set; tests replace it.
var exportNow = time.Now

// exportTime is the export's time, to the second: Card.Created when it is an RFC 3339 time, else now.
func exportTime(o Options) time.Time {
	if t, err := time.Parse(time.RFC3339, o.Card.Created); err == nil {
		return t.Truncate(time.Second)
	}
	return exportNow().Truncate(time.Second)
}

// textKinds are the text kinds with fixed columns (csv, hf): the caption kinds, then the prompt.
var textKinds = append(append([]string(nil), review.CaptionKinds[:]...), "prompt")

// dimensions are the value dimensions with fixed columns (csv, hf), in review order.
var dimensions = review.ScoreDimensions

// manifestLine is a record as a line of loupe's JSONL manifest: id, image, subset, texts and scores (the
// final values, what a plain manifest holds), then the rest of the record, which `loupe import` reads
// too (kind, generation, provenance, the pipeline's own scores, machine labels, the history) to give
// the item back as it was. The webdataset .json members hold the same object.
type manifestLine struct {
	ID         string                       `json:"id"`
	Image      string                       `json:"image,omitempty"` // relative to the manifest's folder, "/"-separated
	Subset     string                       `json:"subset,omitempty"`
	Texts      map[string]map[string]string `json:"texts,omitempty"`
	Scores     map[string]float64           `json:"scores,omitempty"`
	Kind       string                       `json:"kind"`
	Track      string                       `json:"track,omitempty"`
	Model      string                       `json:"model,omitempty"`
	Decision   string                       `json:"decision"`
	DecidedBy  string                       `json:"decided_by,omitempty"`
	Provenance map[string]provenance        `json:"provenance,omitempty"`
	History    History                      `json:"history"`
	// the rest of the item, so that an import gives it back whole (see Record)
	PromptRef *PromptRef         `json:"prompt_ref,omitempty"`
	Captions  *[]string          `json:"captions_present,omitempty"` // written even when empty: no flags
	Pipeline  map[string]float64 `json:"pipeline,omitempty"`
	Labels    []Label            `json:"labels,omitempty"`
}

// provenance is where a value came from; it repeats the value, so that values the importer's "scores"
// cannot hold (outside 0-10, unknown dimensions) are still exported.
type provenance struct {
	Value  float64 `json:"value"`
	Source string  `json:"source"`
	Who    string  `json:"who,omitempty"`
	When   string  `json:"when,omitempty"`
	Rubric string  `json:"rubric,omitempty"`
}

// importable reports whether `loupe import` accepts a score: a known dimension, a value in 0-10.
func importable(dim string, v float64) bool {
	if math.IsNaN(v) || v < 0 || v > 10 {
		return false
	}
	if i := review.PipelineScoreIndex(dim); i >= 0 {
		return true
	}
	for _, d := range review.Dimensions {
		if d == dim {
			return true
		}
	}
	return false
}

// finite reports whether v can be written as a JSON number.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// lineOf builds a record's manifest line; image is the picture's path relative to the manifest.
func lineOf(r *Record, image string) manifestLine {
	l := manifestLine{ID: r.ID, Image: image, Subset: r.Subset, Kind: r.Kind, Track: r.Track, Model: r.Model,
		Decision: r.Decision, DecidedBy: r.DecidedBy, History: r.History, PromptRef: r.Prompt, Pipeline: r.Pipeline, Labels: r.Labels}
	if r.Captions != nil {
		l.Captions = &r.Captions
	}
	for kind, langs := range r.Texts {
		for lang, s := range langs {
			if s == "" {
				continue
			}
			if l.Texts == nil {
				l.Texts = map[string]map[string]string{}
			}
			if l.Texts[kind] == nil {
				l.Texts[kind] = map[string]string{}
			}
			l.Texts[kind][lang] = s
		}
	}
	for dim, v := range r.Values {
		if !finite(v.Value) {
			continue
		}
		if importable(dim, v.Value) {
			if l.Scores == nil {
				l.Scores = map[string]float64{}
			}
			l.Scores[dim] = v.Value
		}
		if l.Provenance == nil {
			l.Provenance = map[string]provenance{}
		}
		l.Provenance[dim] = provenance{Value: v.Value, Source: v.Source, Who: v.Who, When: v.When, Rubric: v.RubricHash}
	}
	return l
}

// imageExt is a record's picture extension: Record.ImageExt when it is a plain extension, else sniffed
// from the bytes, else "bin". It never holds a path separator or a dot.
func imageExt(r *Record) string {
	ext := strings.ToLower(strings.TrimPrefix(r.ImageExt, "."))
	ok := ext != "" && len(ext) <= 8
	for _, c := range ext {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			ok = false
		}
	}
	if ok {
		return ext
	}
	if ext = ImageExt(r.Image); ext != "" {
		return ext
	}
	return "bin"
}

// inside joins root and a name made by SafeName and checks the result stays inside root.
func inside(root, name string) (string, error) {
	p := filepath.Join(root, name)
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", fmt.Errorf("file name %q leaves the output folder %s", name, root)
	}
	return p, nil
}

// WriteAtomic writes a whole file under a temporary name and renames it into place.
func WriteAtomic(path string, data []byte) error {
	f, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	if err := f.Commit(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// prepareOne checks the output of a format that cannot be resumed: Resume does not keep an existing one.
func prepareOne(format, out string, o Options) error {
	err := Prepare(out, o, false)
	if err != nil && o.Resume && errors.Is(err, ErrExists) {
		return fmt.Errorf("%s: a %s export cannot be resumed; use --force to write it again", out, format)
	}
	return err
}

// imageDir is the images folder beside a jsonl or csv file: "<file name>_images" (subset.jsonl:
// subset.jsonl_images), so that a jsonl and a csv export of the same name in one folder stay apart.
func imageDir(out string) string {
	return filepath.Base(out) + "_images"
}

// fileWriter is the part jsonl and csv share: one output file written atomically, and the pictures
// copied into a folder beside it (<file name>_images/<SafeName(id)>.<ext>).
type fileWriter struct {
	format string
	out    string // the output file
	dir    string // its folder
	images string // the images folder's name, relative to dir
	f      *AtomicFile
	w      *bufio.Writer
	wrote  bool // an image was written (the images folder exists)
	done   bool
	files  []string
}

func openFile(format string, o Options) (*fileWriter, error) {
	if o.Out == "" {
		return nil, errors.New("no output path (--out)")
	}
	if fi, err := os.Stat(o.Out); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%s: is a folder; a %s export is written to a file", o.Out, format)
	}
	fw := &fileWriter{format: format, out: o.Out, dir: filepath.Dir(o.Out), images: imageDir(o.Out)}
	if err := prepareOne(format, o.Out, o); err != nil {
		return nil, err
	}
	if err := prepareOne(format, filepath.Join(fw.dir, fw.images), o); err != nil {
		return nil, err
	}
	f, err := CreateAtomic(o.Out)
	if err != nil {
		return nil, err
	}
	fw.f, fw.w = f, bufio.NewWriterSize(f, 1<<16)
	return fw, nil
}

// image copies a record's picture into the images folder and returns its path relative to the output
// file's folder ("" when the record has none).
func (fw *fileWriter) image(r *Record) (string, error) {
	if len(r.Image) == 0 {
		return "", nil
	}
	name := SafeName(r.ID) + "." + imageExt(r)
	p, err := inside(filepath.Join(fw.dir, fw.images), name)
	if err != nil {
		return "", err
	}
	fw.wrote = true
	if err := WriteAtomic(p, r.Image); err != nil {
		return "", fmt.Errorf("item %s: %w", r.ID, err)
	}
	return fw.images + "/" + name, nil
}

func (fw *fileWriter) close() error {
	if fw.done {
		return nil
	}
	fw.done = true
	if err := fw.w.Flush(); err != nil {
		fw.f.Abort()
		return err
	}
	if err := fw.f.Commit(); err != nil {
		os.Remove(fw.f.Name())
		return err
	}
	fw.files = append(fw.files, filepath.Base(fw.out))
	if fw.wrote {
		fw.files = append(fw.files, fw.images+"/")
	}
	return nil
}

// abort removes the unfinished file and the pictures copied for it.
func (fw *fileWriter) abort() {
	if fw.done {
		return
	}
	fw.done = true
	fw.f.Abort()
	if fw.wrote {
		os.RemoveAll(filepath.Join(fw.dir, fw.images))
	}
}

// Files lists the output file and, when pictures were copied, their folder (with a trailing "/"),
// relative to the output file's folder, once Close succeeded.
func (fw *fileWriter) Files() []string { return append([]string(nil), fw.files...) }

// JSONL writes loupe's JSONL manifest: one line per record (see manifestLine) in the file o.Out, and
// the pictures in <file name>_images/<SafeName(id)>.<ext> beside it (out/subset.jsonl:
// out/subset.jsonl_images/). The "image" field is relative to the
// file's folder, so `loupe import out/subset.jsonl` reads the export back. A record without a picture
// has no "image" field (the importer reports such a line).
type JSONL struct {
	*fileWriter
}

// NewJSONL starts a JSONL export (an existing output is refused unless o.Force).
func NewJSONL(o Options) (Writer, error) {
	fw, err := openFile("jsonl", o)
	if err != nil {
		return nil, err
	}
	return &JSONL{fw}, nil
}

// Write appends a record.
func (j *JSONL) Write(r *Record) error {
	if j.done {
		return errors.New("jsonl export: write after close")
	}
	img, err := j.image(r)
	if err != nil {
		return err
	}
	b, err := json.Marshal(lineOf(r, img))
	if err != nil {
		return fmt.Errorf("item %s: %w", r.ID, err)
	}
	b = append(b, '\n')
	_, err = j.w.Write(b)
	return err
}

// Close completes the file.
func (j *JSONL) Close() error { return j.close() }

// Abort removes the unfinished file and its pictures.
func (j *JSONL) Abort() { j.abort() }

// shortHash is 8 hex digits of an id's SHA-256, as SafeName adds.
func shortHash(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:4])
}
