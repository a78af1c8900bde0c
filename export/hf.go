package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// HF writes the hub's image-folder layout into the folder o.Out:
//
//	README.md             the dataset card: YAML front matter, then what was exported and how
//	data/metadata.jsonl   one line per record; file_name is the picture, relative to data/
//	data/NNN/<SafeName(id)>.<ext>   the pictures, at most 10,000 a folder (000, 001, ...) as the hub
//	                      advises; a name equal to an earlier one but for case gets the id's hash
//	.loupe-export.json    the manifest: every file above (what --force may replace)
//
// A metadata line has file_name, id, kind, subset, track, model, decision, decided_by,
// caption_<kind> (English) and caption_<kind>_cn (Chinese, as FLUX-Reason-6M names it) for the caption kinds and "prompt" (null when
// missing), score_<dimension> for the dimensions in review order (null when missing; other dimensions
// follow when a record has them), provenance (a JSON string: dimension -> {value, source, who, when,
// rubric}) and history (an object). Every record needs a picture.
type HF struct {
	o       Options
	root    string
	data    string
	meta    *AtomicFile
	w       *bufio.Writer
	count   int
	by      map[string]int
	done    bool
	files   []string
	names   names    // picture names used, by case-folded form
	written []string // the files in place, relative to root ("/"-separated)
	started bool
}

// hfFolderFilesDefault is the most pictures an hf export puts in one folder: the hub's advice.
const hfFolderFilesDefault = 10000

// hfFolderFiles is hfFolderFilesDefault; tests lower it.
var hfFolderFiles = hfFolderFilesDefault

// NewHF starts an hf export (an existing output is refused unless o.Force).
func NewHF(o Options) (Writer, error) {
	if err := prepare(o.Out, o, false); err != nil {
		if o.Resume && errors.Is(err, ErrExists) {
			return nil, fmt.Errorf("%s: a hf export cannot be resumed; use --force to write it again", o.Out)
		}
		return nil, err
	}
	h := &HF{o: o, root: o.Out, data: filepath.Join(o.Out, "data"), by: map[string]int{}, names: names{}}
	if err := os.MkdirAll(h.data, 0o755); err != nil {
		return nil, err
	}
	h.started = true
	f, err := CreateAtomic(filepath.Join(h.data, "metadata.jsonl"))
	if err != nil {
		h.Abort()
		return nil, err
	}
	h.meta, h.w = f, bufio.NewWriterSize(f, 1<<16)
	return h, nil
}

// hfLine writes a metadata line with a fixed key order.
func hfLine(r *Record, fileName string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	put := func(k string, v any) error {
		vb, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("item %s: %s: %w", r.ID, k, err)
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
		return nil
	}
	opt := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	put("file_name", fileName)
	put("id", r.ID)
	put("kind", r.Kind)
	put("subset", opt(r.Subset))
	put("track", opt(r.Track))
	put("model", opt(r.Model))
	put("decision", r.Decision)
	put("decided_by", opt(r.DecidedBy))
	for _, k := range textKinds {
		put("caption_"+k, opt(r.Texts[k]["en"]))
		put("caption_"+k+"_cn", opt(r.Texts[k]["zh"]))
	}
	known := map[string]bool{}
	for _, d := range dimensions {
		known[d] = true
		if v, ok := r.Values[d]; ok && finite(v.Value) {
			put("score_"+d, v.Value)
		} else {
			put("score_"+d, nil)
		}
	}
	extra := make([]string, 0)
	for d := range r.Values {
		if !known[d] && finite(r.Values[d].Value) {
			extra = append(extra, d)
		}
	}
	sort.Strings(extra)
	for _, d := range extra {
		put("score_"+d, r.Values[d].Value)
	}
	prov := lineOf(r, "").Provenance
	if prov == nil {
		prov = map[string]provenance{}
	}
	pb, err := json.Marshal(prov)
	if err != nil {
		return nil, err
	}
	put("provenance", string(pb))
	if err := put("history", r.History); err != nil {
		return nil, err
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// Write copies the record's picture into data/ and appends its metadata line.
func (h *HF) Write(r *Record) error {
	if h.done {
		return errors.New("hf export: write after close")
	}
	if len(r.Image) == 0 {
		return fmt.Errorf("item %s has no image: the hf layout needs one", r.ID)
	}
	name := fmt.Sprintf("%03d/", h.count/hfFolderFiles) + h.names.take(r.ID, SafeName(r.ID), imageExt(r))
	p, err := inside(h.data, filepath.FromSlash(name))
	if err != nil {
		return err
	}
	line, err := hfLine(r, name)
	if err != nil {
		return err
	}
	if err := WriteAtomic(p, r.Image); err != nil {
		return fmt.Errorf("item %s: %w", r.ID, err)
	}
	h.written = append(h.written, "data/"+name)
	if _, err := h.w.Write(line); err != nil {
		return err
	}
	h.count++
	h.by[r.Decision]++
	return nil
}

// Close completes data/metadata.jsonl, then writes README.md with the final counts and the manifest.
func (h *HF) Close() error {
	if h.done {
		return nil
	}
	if err := h.w.Flush(); err != nil {
		h.Abort()
		return err
	}
	if err := h.meta.Commit(); err != nil {
		h.Abort()
		return err
	}
	h.meta = nil
	h.written = append(h.written, "data/metadata.jsonl")
	if err := WriteAtomic(filepath.Join(h.root, "README.md"), []byte(h.card())); err != nil {
		h.Abort()
		return err
	}
	h.written = append(h.written, "README.md")
	if err := writeManifest(filepath.Join(h.root, manifestName), "hf", h.written); err != nil {
		h.Abort()
		return err
	}
	h.done = true
	h.files = []string{"README.md", "data/metadata.jsonl"}
	if h.count > 0 {
		h.files = append(h.files, "data/")
	}
	return nil
}

// Abort removes the files the export wrote, then its folders where that leaves them empty (the output
// folder was new, or --force emptied it).
func (h *HF) Abort() {
	if h.done || !h.started {
		return
	}
	h.done = true
	if h.meta != nil {
		h.meta.Abort()
	}
	paths := make([]string, len(h.written))
	for i, rel := range h.written {
		paths[i] = filepath.Join(h.root, filepath.FromSlash(rel))
	}
	removeAll(h.root, h.root, paths, nil, nil)
	os.Remove(h.data)
	os.Remove(h.root)
}

// Files lists README.md, data/metadata.jsonl and the pictures' folder "data/" once Close succeeded.
func (h *HF) Files() []string { return append([]string(nil), h.files...) }

// sizeCategory is the hub's size_categories tag for a record count.
func sizeCategory(n int) string {
	cats := []struct {
		max  int
		name string
	}{{1000, "n<1K"}, {10000, "1K<n<10K"}, {100000, "10K<n<100K"}, {1000000, "100K<n<1M"},
		{10000000, "1M<n<10M"}, {100000000, "10M<n<100M"}, {1000000000, "100M<n<1B"}}
	for _, c := range cats {
		if n < c.max {
			return c.name
		}
	}
	return "1B<n<10B"
}

// yamlString quotes s for YAML on one line (a JSON string is a YAML double-quoted scalar; its escapes
// keep line breaks and "---" from ending the front matter).
func yamlString(s string) string {
	b, _ := json.Marshal(oneLine(s))
	return string(b)
}

// oneLine turns line breaks and other control characters into spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return ' '
		}
		return r
	}, s)
}

// mdText makes s plain text in markdown, on one line: every character that markdown or HTML could
// read as markup (emphasis, links, images, headings, tables, code, HTML tags and entities, math) is
// backslash-escaped, which CommonMark allows for any ASCII punctuation; so a title such as
// "<img src=x onerror=...>" or "[click](javascript:...)" shows as typed.
func mdText(s string) string {
	var b strings.Builder
	for _, r := range oneLine(s) {
		if r < 0x80 && strings.ContainsRune("\\`*_[]{}<>#|~&$!", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCode shows s as typed in an inline code span (markdown reads nothing inside one), on one line: the
// fence is one backtick more than s holds in a row, with a space inside when s starts or ends with a
// backtick (or starts and ends with a space, which markdown would strip).
func mdCode(s string) string {
	s = oneLine(s)
	run, longest := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || len(s) > 1 && s[0] == ' ' && s[len(s)-1] == ' ' {
		s = " " + s + " "
	}
	fence := strings.Repeat("`", longest+1)
	return fence + s + fence
}

// card is the README.md dataset card. Counts are the records written (not Card.Count, which a streamed
// caller may not know); the time is Card.Created, or the export time.
func (h *HF) card() string {
	c := h.o.Card
	title := c.Title
	if title == "" {
		title = "loupe export"
	}
	var b strings.Builder
	b.WriteString("---\n")
	b.WriteString("license: other\n")
	b.WriteString("task_categories:\n- text-to-image\n")
	b.WriteString("size_categories:\n- " + sizeCategory(h.count) + "\n")
	b.WriteString("pretty_name: " + yamlString(title) + "\n")
	b.WriteString("configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/**\n")
	b.WriteString("---\n\n")
	// Everything below from the card or the records is escaped: it shows as typed and cannot add markup.
	b.WriteString("# " + mdText(title) + "\n\n")
	b.WriteString("A curated subset exported by loupe in the image-folder layout: pictures in `data/NNN/`, one line\n")
	b.WriteString("per picture in `data/metadata.jsonl` (`file_name` names the picture).\n\n")
	b.WriteString("## Selection\n\n")
	if c.Filter != "" {
		b.WriteString("Filter: " + mdCode(c.Filter) + "\n\n")
	} else {
		b.WriteString("Filter: none (every item).\n\n")
	}
	b.WriteString("Records: " + strconv.Itoa(h.count) + "\n\n")
	if len(h.by) > 0 {
		b.WriteString("| decision | records |\n|---|---|\n")
		keys := make([]string, 0, len(h.by))
		for k := range h.by {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := k
			if name == "" {
				name = "(none)"
			}
			b.WriteString("| " + mdText(name) + " | " + strconv.Itoa(h.by[k]) + " |\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("## Provenance\n\n")
	if c.Provenance != "" {
		b.WriteString(mdText(c.Provenance) + "\n\n")
	}
	b.WriteString("Each `score_<dimension>` is the dimension's final value; the `provenance` column says for each\n")
	b.WriteString("one whether it is a human's (annotator, time), the pipeline's, or a judge's (rater, rubric hash).\n\n")
	b.WriteString("## Export\n\n")
	if c.Workspace != "" {
		b.WriteString("Workspace: " + mdCode(c.Workspace) + "\n\n")
	}
	created := c.Created
	if created == "" {
		created = exportTime(h.o).UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	b.WriteString("Exported: " + mdText(created) + "\n")
	return b.String()
}
