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
)

// HF writes the hub's image-folder layout into the folder o.Out:
//
//	README.md             the dataset card: YAML front matter, then what was exported and how
//	data/metadata.jsonl   one line per record; file_name is the picture, relative to data/
//	data/<SafeName(id)>.<ext>
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
	started bool
}

// NewHF starts an hf export (an existing output is refused unless o.Force).
func NewHF(o Options) (Writer, error) {
	if err := prepareOne("hf", o.Out, o); err != nil {
		return nil, err
	}
	h := &HF{o: o, root: o.Out, data: filepath.Join(o.Out, "data"), by: map[string]int{}}
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
	name := SafeName(r.ID) + "." + imageExt(r)
	p, err := inside(h.data, name)
	if err != nil {
		return err
	}
	line, err := hfLine(r, name)
	if err != nil {
		return err
	}
	if err := writeAtomic(p, r.Image); err != nil {
		return fmt.Errorf("item %s: %w", r.ID, err)
	}
	if _, err := h.w.Write(line); err != nil {
		return err
	}
	h.count++
	h.by[r.Decision]++
	return nil
}

// Close completes data/metadata.jsonl, then writes README.md with the final counts.
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
	if err := writeAtomic(filepath.Join(h.root, "README.md"), []byte(h.card())); err != nil {
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

// Abort removes the output folder: it did not exist before the export (or --force removed it).
func (h *HF) Abort() {
	if h.done || !h.started {
		return
	}
	h.done = true
	if h.meta != nil {
		h.meta.Abort()
	}
	os.RemoveAll(h.root)
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

// yamlString quotes s for YAML (a JSON string is a YAML double-quoted scalar).
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
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
	b.WriteString("# " + strings.ReplaceAll(title, "\n", " ") + "\n\n")
	b.WriteString("A curated subset exported by loupe in the image-folder layout: pictures in `data/`, one line\n")
	b.WriteString("per picture in `data/metadata.jsonl` (`file_name` names the picture).\n\n")
	b.WriteString("## Selection\n\n")
	if c.Filter != "" {
		b.WriteString("Filter: `" + strings.ReplaceAll(strings.ReplaceAll(c.Filter, "`", "'"), "\n", " ") + "`\n\n")
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
			b.WriteString("| " + strings.ReplaceAll(name, "|", "\\|") + " | " + strconv.Itoa(h.by[k]) + " |\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("## Provenance\n\n")
	if c.Provenance != "" {
		b.WriteString(c.Provenance + "\n\n")
	}
	b.WriteString("Each `score_<dimension>` is the dimension's final value; the `provenance` column says for each\n")
	b.WriteString("one whether it is a human's (annotator, time), the pipeline's, or a judge's (rater, rubric hash).\n\n")
	b.WriteString("## Export\n\n")
	if c.Workspace != "" {
		b.WriteString("Workspace: `" + strings.ReplaceAll(c.Workspace, "`", "'") + "`\n\n")
	}
	created := c.Created
	if created == "" {
		created = exportTime(h.o).UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	b.WriteString("Exported: " + created + "\n")
	return b.String()
}
