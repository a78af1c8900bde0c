package ingest

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// Label file formats.
const (
	LabelsJSONL = "jsonl"
	LabelsCSV   = "csv"
)

const labelBatch = 2000 // rows per transaction

// Label fields. item, dimension, source and value are required; annotator is required for source human.
var (
	labelFields    = []string{"item", "dimension", "source", "value", "annotator", "time", "note"}
	requiredFields = []string{"item", "dimension", "source", "value"}
)

// Reserved rater names: the dataset's own scores and ground truth cannot be imported as a source.
var reservedSources = map[string]bool{"pipeline": true, "truth": true}

// LabelOptions tunes a label import.
type LabelOptions struct {
	CreateItems bool // create a bare sample item for an unknown external id instead of skipping the row
	Batch       int  // rows per transaction (default 2000)
	// Scales declares rating scales by dimension name ("" for every dimension of the file the workspace
	// does not know): a dimension not in the workspace is created with its scale; one that is must
	// have the same scale.
	Scales map[string]DimScale
}

// DimScale is a declared rating scale: numbers Min..Max, or named categories (values their indexes).
type DimScale struct {
	Min, Max   float64
	Categories []string
}

// ParseDimScale reads --scale ([DIM=]MIN-MAX, e.g. 1-5, 0-100) or, with categories, --categories
// ([DIM=]a,b,c); it returns the dimension ("" when not named) and the scale.
func ParseDimScale(s string, categories bool) (string, DimScale, error) {
	dim, spec := "", strings.TrimSpace(s)
	if i := strings.Index(spec, "="); i >= 0 {
		dim, spec = strings.ToLower(strings.TrimSpace(spec[:i])), strings.TrimSpace(spec[i+1:])
	}
	if categories {
		var cats []string
		for _, c := range strings.Split(spec, ",") {
			c = strings.TrimSpace(c)
			if c == "" || slices.Contains(cats, c) {
				return "", DimScale{}, fmt.Errorf("%q: categories must be distinct and non-empty (a,b,c)", s)
			}
			cats = append(cats, c)
		}
		if len(cats) < 2 {
			return "", DimScale{}, fmt.Errorf("%q: at least two categories", s)
		}
		return dim, DimScale{Categories: cats}, nil
	}
	spec = strings.ReplaceAll(spec, "..", "~")
	if j := strings.Index(spec[1:], "-"); j >= 0 && !strings.Contains(spec, "~") {
		spec = spec[:j+1] + "~" + spec[j+2:]
	}
	lo, hi, ok := strings.Cut(spec, "~")
	a, err1 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
	b, err2 := strconv.ParseFloat(strings.TrimSpace(hi), 64)
	if !ok || err1 != nil || err2 != nil || math.IsNaN(a) || math.IsNaN(b) || math.IsInf(a, 0) || math.IsInf(b, 0) || a >= b {
		return "", DimScale{}, fmt.Errorf("%q: want MIN-MAX with MIN < MAX (e.g. 1-5, 0-100), optionally DIM=", s)
	}
	return dim, DimScale{Min: a, Max: b}, nil
}

// LabelProblem is one skipped row: where (line of the file; for CSV the line the record starts on, the
// header being line 1), which field, and why.
type LabelProblem struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// LabelReport says what a label import did. Stored counts rows written (machine labels and human
// events); Duplicates counts rows the workspace already held with the same value.
type LabelReport struct {
	File         string         `json:"file"`
	Format       string         `json:"format"`
	Rows         int            `json:"rows"`
	Stored       int            `json:"stored"`
	Duplicates   int            `json:"duplicates"`
	CreatedItems int            `json:"created_items"`
	ProblemCount int            `json:"problem_count"`
	Problems     []LabelProblem `json:"problems"` // the first maxIssue of them
	// AllProblems, when Problems is not all of them, names the command that lists every one.
	AllProblems string `json:"all_problems,omitempty"`

	all []LabelProblem // every problem, stored in the workspace at the end
}

func (r *LabelReport) problem(line int, field, format string, args ...any) {
	r.ProblemCount++
	p := LabelProblem{Line: line, Field: field, Message: fmt.Sprintf(format, args...)}
	if len(r.Problems) < maxIssue {
		r.Problems = append(r.Problems, p)
	}
	r.all = append(r.all, p)
}

// String gives a problem as FILE:LINE: field: message.
func (p LabelProblem) String(file string) string {
	s := fmt.Sprintf("%s:%d: ", file, p.Line)
	if p.Field != "" {
		s += p.Field + ": "
	}
	return s + p.Message
}

// labelRow is one row of the file, fields as text.
type labelRow struct {
	line   int
	fields map[string]string
	isSet  map[string]bool // fields present (JSONL: non-null; CSV: every column of the header)
	bad    *LabelProblem   // a row that could not be read at all
}

// ImportLabels imports ratings made elsewhere from a JSONL or CSV file: human values become events of
// the named annotator, any other source a machine rater of kind judge. Bad rows are reported and
// skipped; good rows are stored, labelBatch rows per transaction, so a failure keeps what was already
// committed. Importing the same file again adds nothing. The error is for what stops the whole import
// (unreadable file, not JSONL or CSV, a CSV header without a required column, a database failure);
// the report, when not nil, says what was done up to then.
func ImportLabels(ctx context.Context, st *store.Store, path string, o LabelOptions) (*LabelReport, error) {
	if o.Batch <= 0 {
		o.Batch = labelBatch
	}
	data, err := dataset.ReadRegular(path)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	format, comma, err := detectLabels(path, data)
	if err != nil {
		return nil, err
	}
	r := &LabelReport{File: path, Format: format, Problems: []LabelProblem{}}
	dims, err := loadDimensions(ctx, st)
	if err != nil {
		return nil, err
	}
	for name, sc := range o.Scales {
		if _, known := dims[name]; name != "" && known {
			// a declaration for a dimension the workspace has must be its scale
			if err := store.DeclareDimension(ctx, st.DB, name, sc.Min, sc.Max, sc.Categories); err != nil {
				return nil, err
			}
		}
	}
	imp := &labelImport{ctx: ctx, st: st, o: o, r: r, dims: dims, items: map[string]int64{}, raters: map[string]int64{},
		annotators: map[string]int64{}, seen: map[string]int{}}
	var batch []labelRow
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := imp.writeBatch(ctx, batch)
		if err != nil {
			err = fmt.Errorf("%s: lines %d-%d not imported: %w", path, batch[0].line, batch[len(batch)-1].line, err)
		}
		batch = batch[:0]
		return err
	}
	each := func(row labelRow) error {
		r.Rows++
		if row.bad != nil {
			r.problem(row.bad.Line, row.bad.Field, "%s", row.bad.Message)
			return nil
		}
		batch = append(batch, row)
		if len(batch) >= o.Batch {
			return flush()
		}
		return nil
	}
	if format == LabelsJSONL {
		err = readLabelsJSONL(path, data, each)
	} else {
		err = readLabelsCSV(path, data, comma, each)
	}
	if err == nil {
		err = flush()
	}
	if err != nil {
		if r.Rows == 0 && r.Stored == 0 {
			return nil, err
		}
		return r, err
	}
	if r.ProblemCount > len(r.Problems) {
		r.AllProblems = allProblemsCommand
	}
	if len(r.all) > 0 {
		ps := make([]dataset.Problem, len(r.all))
		for i, p := range r.all {
			where := fmt.Sprintf("line %d", p.Line)
			if p.Field != "" {
				where += ": " + p.Field
			}
			ps[i] = dataset.Problem{File: path, Where: where, Message: p.Message + "; skipped"}
		}
		if err := recordProblems(ctx, st, ps); err != nil {
			return r, err
		}
	}
	return r, nil
}

// detectLabels picks the format by extension, else by content.
func detectLabels(path string, data []byte) (format string, comma rune, err error) {
	first := firstLine(data)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson", ".json":
		format = LabelsJSONL
	case ".csv":
		return LabelsCSV, ',', nil
	case ".tsv":
		return LabelsCSV, '\t', nil
	default:
		switch {
		case strings.HasPrefix(first, "{"), strings.HasPrefix(first, "["):
			format = LabelsJSONL
		case strings.Contains(strings.ToLower(first), "item") && strings.ContainsAny(first, ",\t;"):
			comma = ','
			for _, c := range []rune{'\t', ';'} {
				if strings.Count(first, string(c)) > strings.Count(first, string(comma)) {
					comma = c
				}
			}
			return LabelsCSV, comma, nil
		case first == "":
			return LabelsJSONL, 0, nil // empty: nothing to import
		default:
			return "", 0, fmt.Errorf("%s: neither JSONL (one JSON object a line) nor CSV with a header row (item,dimension,source,value,...)", path)
		}
	}
	switch {
	case first == "", strings.HasPrefix(first, "{"):
		return format, 0, nil
	case strings.HasPrefix(first, "["):
		return "", 0, fmt.Errorf("%s: a JSON array; want JSONL, one JSON object a line", path)
	}
	return "", 0, fmt.Errorf("%s: not JSONL: the first line is not a JSON object", path)
}

// firstLine returns the first non-blank line, trimmed.
func firstLine(data []byte) string {
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte("\n"))
		if s := strings.TrimSpace(string(line)); s != "" {
			return s
		}
		data = rest
	}
	return ""
}

func readLabelsJSONL(path string, data []byte, each func(labelRow) error) error {
	br := bufio.NewReader(bytes.NewReader(data))
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			if err := each(parseJSONLine(line, b)); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
}

func parseJSONLine(line int, b []byte) labelRow {
	row := labelRow{line: line, fields: map[string]string{}, isSet: map[string]bool{}}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		msg := "not a JSON object"
		if err != nil {
			msg = "not valid JSON: " + err.Error()
		}
		row.bad = &LabelProblem{Line: line, Message: msg}
		return row
	}
	if dec.More() {
		row.bad = &LabelProblem{Line: line, Message: "more than one JSON value on the line"}
		return row
	}
	for k, v := range obj {
		k = strings.ToLower(strings.TrimSpace(k))
		var s string
		switch v := v.(type) {
		case nil:
			continue
		case string:
			s = v
		case json.Number:
			s = v.String()
		case bool:
			s = strconv.FormatBool(v)
		default:
			if isLabelField(k) {
				row.bad = &LabelProblem{Line: line, Field: k, Message: "want a string or a number, not a JSON object or array"}
				return row
			}
			continue
		}
		row.fields[k] = s
		row.isSet[k] = true
	}
	return row
}

func isLabelField(k string) bool {
	for _, f := range labelFields {
		if f == k {
			return true
		}
	}
	return false
}

func readLabelsCSV(path string, data []byte, comma rune, each func(labelRow) error) error {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: header row: %w", path, err)
	}
	cols := make([]string, len(header))
	have := map[string]bool{}
	for i, h := range header {
		cols[i] = strings.ToLower(strings.TrimSpace(h))
		if cols[i] != "" && have[cols[i]] && isLabelField(cols[i]) {
			return fmt.Errorf("%s: header row: column %q appears twice", path, cols[i])
		}
		have[cols[i]] = true
	}
	var missing []string
	for _, f := range requiredFields {
		if !have[f] {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: header row lacks the required column(s) %s (have: %s; want item, dimension, source, value, and optionally annotator, time, note)",
			path, strings.Join(missing, ", "), strings.Join(cols, ", "))
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return fmt.Errorf("%s: %w", path, err)
			}
			if err := each(labelRow{line: pe.StartLine, bad: &LabelProblem{Line: pe.StartLine, Message: "bad CSV: " + pe.Err.Error()}}); err != nil {
				return err
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		row := labelRow{line: line, fields: map[string]string{}, isSet: map[string]bool{}}
		if len(rec) != len(cols) {
			row.bad = &LabelProblem{Line: line, Message: fmt.Sprintf("%d field(s), but the header has %d", len(rec), len(cols))}
		} else {
			for i, c := range cols {
				row.fields[c] = rec[i]
				row.isSet[c] = true
			}
		}
		if err := each(row); err != nil {
			return err
		}
	}
}

type dimInfo struct {
	name       string
	decision   bool
	min, max   float64
	categories []string // a declared categorical dimension's names (values: indexes)
}

// loadDimensions reads the workspace's dimensions by name.
func loadDimensions(ctx context.Context, st *store.Store) (map[string]dimInfo, error) {
	specs, err := st.DimensionSpecs(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]dimInfo, len(specs))
	for _, d := range specs {
		out[d.Name] = dimInfo{name: d.Name, decision: d.Kind == "decision", min: d.Min, max: d.Max, categories: d.Categories}
	}
	return out, nil
}

func dimNames(dims map[string]dimInfo) string {
	names := make([]string, 0, len(dims))
	for n := range dims {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// labelImport holds what one import has looked up so far.
type labelImport struct {
	ctx        context.Context
	st         *store.Store
	o          LabelOptions
	r          *LabelReport
	dims       map[string]dimInfo
	items      map[string]int64 // item reference -> id
	raters     map[string]int64 // judge source -> rater id
	annotators map[string]int64 // annotator name -> id
	seen       map[string]int   // item ref, dimension, rater -> first line giving it in this file
}

// checked is a row that passed the checks that need no database.
type checked struct {
	line      int
	item      string
	dim       dimInfo
	value     float64
	human     bool
	annotator string // human rows
	source    string // judge rows
	note      string
	at        time.Time // when the rating was made (zero: unknown)
}

// check validates a row's fields, reporting the first problem.
func (imp *labelImport) check(row labelRow) (checked, bool) {
	c := checked{line: row.line}
	for _, f := range requiredFields {
		if !row.isSet[f] {
			imp.r.problem(row.line, f, "missing")
			return c, false
		}
		if strings.TrimSpace(row.fields[f]) == "" {
			imp.r.problem(row.line, f, "empty")
			return c, false
		}
	}
	c.item = strings.TrimSpace(row.fields["item"])
	dname := strings.ToLower(strings.TrimSpace(row.fields["dimension"]))
	d, ok := imp.dims[dname]
	if !ok {
		sc, declared := imp.o.Scales[dname]
		if !declared {
			sc, declared = imp.o.Scales[""]
		}
		if !declared || !validDimName(dname) {
			imp.r.problem(row.line, "dimension", "unknown dimension %q (want one of %s, or declare its scale with --scale or --categories)", row.fields["dimension"], dimNames(imp.dims))
			return c, false
		}
		// declared outside the batch's transaction: a dimension without labels is harmless
		if err := store.DeclareDimension(imp.ctx, imp.st.DB, dname, sc.Min, sc.Max, sc.Categories); err != nil {
			imp.r.problem(row.line, "dimension", "%v", err)
			return c, false
		}
		d = dimInfo{name: dname, min: sc.Min, max: sc.Max, categories: sc.Categories}
		if len(sc.Categories) > 0 {
			d.min, d.max = 0, float64(len(sc.Categories)-1)
		}
		imp.dims[dname] = d
	}
	c.dim = d
	src := strings.TrimSpace(row.fields["source"])
	ann := strings.TrimSpace(row.fields["annotator"])
	switch lower := strings.ToLower(src); {
	case lower == "human":
		c.human = true
	case strings.HasPrefix(lower, "human:"):
		c.human = true
		name := strings.TrimSpace(src[len("human:"):])
		if ann != "" && ann != name {
			imp.r.problem(row.line, "annotator", "%q differs from the source's annotator %q", ann, name)
			return c, false
		}
		ann = name
	case reservedSources[lower]:
		imp.r.problem(row.line, "source", "%q is reserved for the workspace's built-in rater; name the source differently (e.g. %q)", src, "my-"+lower)
		return c, false
	default:
		c.source = src
	}
	if c.human {
		if ann == "" {
			imp.r.problem(row.line, "annotator", "required when the source is human")
			return c, false
		}
		c.annotator = ann
	}
	v, err := parseLabelValue(d, row.fields["value"])
	if err != nil {
		imp.r.problem(row.line, "value", "%v", err)
		return c, false
	}
	c.value = v
	if t := strings.TrimSpace(row.fields["time"]); t != "" {
		at, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			imp.r.problem(row.line, "time", "%q is not an RFC 3339 time (e.g. 2025-03-01T12:00:00Z)", t)
			return c, false
		}
		c.at = at
	}
	c.note = strings.TrimSpace(row.fields["note"])
	return c, true
}

// parseLabelValue reads a value on dimension d: a number within its scale, or for decisions also
// accept/accepted/yes/true (1) and reject/rejected/no/false (0).
func parseLabelValue(d dimInfo, s string) (float64, error) {
	s = strings.TrimSpace(s)
	if len(d.categories) > 0 {
		for i, c := range d.categories {
			if strings.EqualFold(c, s) {
				return float64(i), nil
			}
		}
		return 0, fmt.Errorf("%q is not a category of %s (want one of %s)", s, d.name, strings.Join(d.categories, ", "))
	}
	if d.decision {
		switch strings.ToLower(s) {
		case "1", "1.0", "accept", "accepted", "yes", "true":
			return 1, nil
		case "0", "0.0", "reject", "rejected", "no", "false":
			return 0, nil
		}
		return 0, fmt.Errorf("%q is not a decision (want accept/reject, yes/no, true/false or 1/0)", s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a number (%s is scored %g-%g)", s, d.name, d.min, d.max)
	}
	if v < d.min || v > d.max {
		return 0, fmt.Errorf("%g is outside %s's scale %g-%g", v, d.name, d.min, d.max)
	}
	return v, nil
}

// batchCounts are a batch's counts, added to the report once it commits.
type batchCounts struct{ stored, duplicates, created int }

func (imp *labelImport) writeBatch(ctx context.Context, batch []labelRow) error {
	var good []checked
	for _, row := range batch {
		if c, ok := imp.check(row); ok {
			good = append(good, c)
		}
	}
	if len(good) == 0 {
		return nil
	}
	var n batchCounts
	// Lookups cached during a transaction that rolls back would name rows that no longer exist; a
	// failed batch ends the import, so the caches are never used again.
	err := store.InTx(ctx, imp.st.DB, func(tx *sql.Tx) error {
		n = batchCounts{}
		for _, c := range good {
			if err := imp.writeRow(ctx, tx, c, &n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	imp.r.Stored += n.stored
	imp.r.Duplicates += n.duplicates
	imp.r.CreatedItems += n.created
	return nil
}

func (imp *labelImport) writeRow(ctx context.Context, tx *sql.Tx, c checked, n *batchCounts) error {
	rater := "judge:" + c.source
	if c.human {
		rater = "human:" + c.annotator
	}
	key := c.item + "\x00" + c.dim.name + "\x00" + rater
	if first, ok := imp.seen[key]; ok {
		imp.r.problem(c.line, "item", "line %d already gave %s's %s value for %q", first, strings.TrimPrefix(strings.TrimPrefix(rater, "judge:"), "human:"), c.dim.name, c.item)
		return nil
	}
	imp.seen[key] = c.line
	item, ok, err := imp.item(ctx, tx, c, n)
	if err != nil || !ok {
		return err
	}
	if c.human {
		return imp.writeHuman(ctx, tx, c, item, n)
	}
	rid, ok := imp.raters[c.source]
	if !ok {
		rid, err = store.EnsureRater(ctx, tx, "judge", c.source, c.source, "imported")
		if err != nil {
			if strings.Contains(err.Error(), "exists as") { // the name belongs to a rater of another kind
				imp.r.problem(c.line, "source", "%v", err)
				return nil
			}
			return err
		}
		imp.raters[c.source] = rid
	}
	v := c.value
	added, err := store.PutLabel(ctx, tx, store.NewLabel{ItemID: item, Dimension: c.dim.name, RaterID: rid, Value: &v, Justification: c.note})
	if err != nil {
		return err
	}
	if added {
		n.stored++
		return nil
	}
	old, err := store.LabelValue(ctx, tx, item, c.dim.name, rid)
	if err != nil {
		return err
	}
	if old != nil && *old == v {
		n.duplicates++
		return nil
	}
	was := "a failed verdict"
	if old != nil {
		was = strconv.FormatFloat(*old, 'g', -1, 64)
	}
	imp.r.problem(c.line, "value", "%q already gave %q %s %s (not replaced by %g)", c.source, c.item, c.dim.name, was, v)
	return nil
}

func (imp *labelImport) writeHuman(ctx context.Context, tx *sql.Tx, c checked, item int64, n *batchCounts) error {
	aid, ok := imp.annotators[c.annotator]
	if !ok {
		var err error
		if aid, err = store.EnsureAnnotator(ctx, tx, c.annotator); err != nil {
			return err
		}
		imp.annotators[c.annotator] = aid
	}
	cur, err := store.HumanValue(ctx, tx, item, aid, c.dim.name)
	if err != nil {
		return err
	}
	if cur != nil && *cur == c.value {
		n.duplicates++
		return nil
	}
	v := c.value
	e := store.NewEvent{ItemID: item, AnnotatorID: aid, Dimension: c.dim.name, Kind: "set", Value: &v, Reason: c.note, CreatedAt: c.at}
	if c.dim.decision {
		e.ValueText = "reject"
		if v == 1 {
			e.ValueText = "accept"
		}
	}
	if k := int(v); len(c.dim.categories) > 0 && k >= 0 && k < len(c.dim.categories) {
		e.ValueText = c.dim.categories[k]
	}
	if _, err := store.AppendEvent(ctx, tx, e); err != nil {
		return err
	}
	n.stored++
	return nil
}

// item resolves a row's item: "#123" is a workspace number, anything else an external id. An unknown
// external id is created as a bare sample item with CreateItems, else reported.
func (imp *labelImport) item(ctx context.Context, tx *sql.Tx, c checked, n *batchCounts) (int64, bool, error) {
	if id, ok := imp.items[c.item]; ok {
		return id, true, nil
	}
	if num, ok := strings.CutPrefix(c.item, "#"); ok {
		id, err := strconv.ParseInt(num, 10, 64)
		if err != nil || id <= 0 {
			imp.r.problem(c.line, "item", "%q is not a workspace number (#123)", c.item)
			return 0, false, nil
		}
		ok, err := store.ItemExists(ctx, tx, id)
		if err != nil {
			return 0, false, err
		}
		if !ok {
			imp.r.problem(c.line, "item", "no item %s in the workspace (a workspace number is never created; give the external id)", c.item)
			return 0, false, nil
		}
		imp.items[c.item] = id
		return id, true, nil
	}
	id, err := store.ItemIDByExt(ctx, tx, c.item)
	switch {
	case err == nil:
	case !errors.Is(err, store.ErrNotFound):
		return 0, false, err
	case !imp.o.CreateItems:
		imp.r.problem(c.line, "item", "no item %q in the workspace (import it first, or pass --create-items)", c.item)
		return 0, false, nil
	default:
		var added bool
		// no pipeline scores: nine zeros would be compared with people as if a pipeline had given them
		id, added, err = store.InsertItem(ctx, tx, store.NewItem{ExtID: c.item, Kind: review.Sample, Scores: review.NoScores})
		if err != nil {
			return 0, false, err
		}
		if added {
			n.created++
		}
	}
	imp.items[c.item] = id
	return id, true, nil
}

// validDimName: a declared dimension's name is a lower-case word (letters, digits, _ and -), so that it
// reads the same in every output.
func validDimName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
