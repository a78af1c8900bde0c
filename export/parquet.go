package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"

	"github.com/loupe-dev/loupe/dataset/fluxschema"
	"github.com/loupe-dev/loupe/review"
	"github.com/parquet-go/parquet-go"
)

// The Parquet export writes a folder of shards in the FLUX-Reason-6M column layout, named the way the hub
// names a parquet dataset's train split:
//
//	<out>/data/train-00000.parquet, train-00001.parquet, ...
//	<out>/.loupe-export.json        finished shards, for --resume
//
// `loupe import <out>` reads the shards back: ids, captions and pictures (left in the shard, read on
// demand, as for FLUX-Reason-6M shards) and, from the loupe_* columns, everything else, so that the
// items come back as they were exported (the score_* columns, rounded final values, are not read).
// Hub tooling and pyarrow/duckdb read them as a plain parquet dataset (the "huggingface" key-value
// metadata declares `image` an Image feature). Columns, in order:
//
//	id                                   string
//	image                                struct<bytes: binary (optional), path: string (optional)>
//	caption_<kind>, caption_<kind>_cn    optional string, kinds per review.CaptionKinds
//	bool_caption_<kind>                  bool: the item's caption flag (Record.Captions), else whether it
//	                                     has that caption (either language)
//	score_<column>                       optional int64: the final value of the matching dimension
//	                                     (review.PipelineScores), rounded; null where there is none or
//	                                     it is outside 0-10 (loupe_provenance keeps the exact value,
//	                                     and is what `loupe import` reads)
//	caption                              optional string: the detail caption (as the published shards)
//	loupe_kind                           string ("sample", "generation")
//	loupe_subset, loupe_track,
//	loupe_model, loupe_prompt            optional string (prompt: a generation's, else English, else Chinese)
//	loupe_suite, loupe_prompt_lang       optional string: a generation's prompt suite and language
//	loupe_prompt_index                   optional int64: its index in the suite's track
//	loupe_decision                       string
//	loupe_decided_by                     optional string
//	loupe_prism_alignment,
//	loupe_prism_aesthetics               optional double
//	loupe_provenance                     string: JSON, dimension -> {value, source, who, when, rubric}
//	loupe_history                        string: JSON of History (summary, answers, final, log)
//	loupe_texts                          optional string: JSON, kind -> lang -> text, of the texts without
//	                                     a caption column (prompts but the generation's, notes)
//	loupe_pipeline                       optional string: JSON, dimension -> the pipeline's own score
//	loupe_labels                         optional string: JSON list of every machine label (Label)
//
// The published shards' score columns are required int64; here they are optional so that a missing
// value is null, which loupe's importer reads as "no score" (a 0 would be a real score).

// Parquet export settings.
const (
	parquetShardRows  = 50_000
	parquetShardBytes = 512 << 20
	parquetGroupRows  = 1000     // rows per row group at most
	parquetGroupBytes = 64 << 20 // image and text bytes per row group, approximately, at most
	parquetManifest   = ".loupe-export.json"
	parquetDir        = "data"
)

// pqShardName is the name, relative to the output folder (with slashes), of shard n.
func pqShardName(n int) string {
	return fmt.Sprintf("%s/train-%05d.parquet", parquetDir, n)
}

var parquetShardRe = regexp.MustCompile(`^train-(\d{5,})\.parquet$`)

// parquetRow is one exported row: the FLUX-Reason-6M columns in the published order, then loupe's.
type parquetRow struct {
	fluxschema.Columns[*int64] // score columns optional: null where there is no score

	Kind            string   `parquet:"loupe_kind,dict"`
	Subset          *string  `parquet:"loupe_subset,optional,dict"`
	Track           *string  `parquet:"loupe_track,optional,dict"`
	Model           *string  `parquet:"loupe_model,optional,dict"`
	Prompt          *string  `parquet:"loupe_prompt,optional"`
	Decision        string   `parquet:"loupe_decision,dict"`
	DecidedBy       *string  `parquet:"loupe_decided_by,optional"`
	PrismAlignment  *float64 `parquet:"loupe_prism_alignment,optional"`
	PrismAesthetics *float64 `parquet:"loupe_prism_aesthetics,optional"`
	Provenance      string   `parquet:"loupe_provenance"`
	History         string   `parquet:"loupe_history"`
	Suite           *string  `parquet:"loupe_suite,optional,dict"`
	PromptLang      *string  `parquet:"loupe_prompt_lang,optional,dict"`
	PromptIndex     *int64   `parquet:"loupe_prompt_index,optional"`
	OtherTexts      *string  `parquet:"loupe_texts,optional"`
	Pipeline        *string  `parquet:"loupe_pipeline,optional"`
	Labels          *string  `parquet:"loupe_labels,optional"`
}

func pqOptString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// pqScore is the score column value of a dimension's final value: rounded, null when missing or
// outside the 0-10 range loupe's importer accepts.
func pqScore(v Value, ok bool) *int64 {
	if !ok || math.IsNaN(v.Value) || v.Value < -0.5 || v.Value >= 10.5 {
		return nil
	}
	x := int64(math.Round(v.Value))
	x = max(0, min(10, x))
	return &x
}

func pqFloat(v Value, ok bool) *float64 {
	if !ok || math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
		return nil
	}
	x := v.Value
	return &x
}

// pqRowOf turns a record into a row. The image bytes are shared, not copied.
func pqRowOf(r *Record) (*parquetRow, error) {
	p := &parquetRow{Kind: r.Kind, Decision: r.Decision}
	p.ID = r.ID
	if r.Image != nil {
		ext := r.ImageExt
		if ext == "" {
			ext = ImageExt(r.Image)
		}
		name := SafeName(r.ID)
		if ext != "" {
			name += "." + ext
		}
		p.Image = fluxschema.Image{Bytes: r.Image, Path: &name}
	}
	ens, zhs, bools := p.Captions()
	for k, kind := range review.CaptionKinds {
		t := r.Texts[kind]
		*ens[k] = pqOptString(t["en"])
		*zhs[k] = pqOptString(t["zh"])
		*bools[k] = t["en"] != "" || t["zh"] != ""
		if r.Captions != nil { // the item's own flags (for "original": the caption passed the gate)
			*bools[k] = slices.Contains(r.Captions, kind)
		}
	}
	p.Caption = pqOptString(r.Texts["detail"]["en"])
	scores := p.Scores()
	for k, ps := range review.PipelineScores {
		v, ok := r.Values[ps.Dimension]
		*scores[k] = pqScore(v, ok)
	}
	p.Subset, p.Track, p.Model = pqOptString(r.Subset), pqOptString(r.Track), pqOptString(r.Model)
	if pr := r.Texts["prompt"]; r.Prompt != nil {
		p.Prompt = pqOptString(pr[r.Prompt.Lang])
		p.Suite, p.PromptLang = pqOptString(r.Prompt.Suite), pqOptString(r.Prompt.Lang)
		idx := int64(r.Prompt.Index)
		p.PromptIndex = &idx
	} else if pr["en"] != "" {
		p.Prompt = pqOptString(pr["en"])
	} else {
		p.Prompt = pqOptString(pr["zh"])
	}
	if err := pqDetail(p, r); err != nil {
		return nil, err
	}
	p.DecidedBy = pqOptString(r.DecidedBy)
	v, ok := r.Values["prism_alignment"]
	p.PrismAlignment = pqFloat(v, ok)
	v, ok = r.Values["prism_aesthetics"]
	p.PrismAesthetics = pqFloat(v, ok)
	vals := r.Values
	if vals == nil {
		vals = map[string]Value{}
	}
	b, err := json.Marshal(vals) // map keys sorted: stable output
	if err != nil {
		return nil, fmt.Errorf("%s: provenance: %w", r.ID, err)
	}
	p.Provenance = string(b)
	if b, err = json.Marshal(r.History); err != nil {
		return nil, err
	}
	p.History = string(b)
	return p, nil
}

// size is roughly what a row weighs in a row group.
func (p *parquetRow) size() int64 {
	n := len(p.Image.Bytes) + len(p.ID) + len(p.Provenance) + len(p.History)
	for _, s := range []*string{p.CaptionComposition, p.CaptionEntity, p.CaptionText, p.CaptionImaginative,
		p.CaptionStyle, p.CaptionAbstract, p.CaptionOriginal, p.CaptionDetail, p.CaptionCompositionCN,
		p.CaptionEntityCN, p.CaptionTextCN, p.CaptionImaginativeCN, p.CaptionStyleCN, p.CaptionAbstractCN,
		p.CaptionOriginalCN, p.CaptionDetailCN, p.Caption, p.Prompt, p.OtherTexts, p.Pipeline, p.Labels} {
		if s != nil {
			n += len(*s)
		}
	}
	return int64(n)
}

// pqHFFeatures is the "huggingface" key-value metadata: the features the hub's datasets library gives the
// columns (without it, `image` would load as a plain struct rather than an Image).
func pqHFFeatures() string {
	type feature map[string]any
	str := feature{"dtype": "string", "_type": "Value"}
	f := map[string]any{"id": str, "image": feature{"_type": "Image"}}
	for _, k := range review.CaptionKinds {
		f["caption_"+k] = str
		f["caption_"+k+"_cn"] = str
		f["bool_caption_"+k] = feature{"dtype": "bool", "_type": "Value"}
	}
	for _, p := range review.PipelineScores {
		f["score_"+p.Column] = feature{"dtype": "int64", "_type": "Value"}
	}
	for _, c := range []string{"caption", "loupe_kind", "loupe_subset", "loupe_track", "loupe_model", "loupe_prompt",
		"loupe_decision", "loupe_decided_by", "loupe_provenance", "loupe_history", "loupe_suite", "loupe_prompt_lang",
		"loupe_texts", "loupe_pipeline", "loupe_labels"} {
		f[c] = str
	}
	f["loupe_prompt_index"] = feature{"dtype": "int64", "_type": "Value"}
	f["loupe_prism_alignment"] = feature{"dtype": "float64", "_type": "Value"}
	f["loupe_prism_aesthetics"] = feature{"dtype": "float64", "_type": "Value"}
	b, _ := json.Marshal(map[string]any{"info": map[string]any{"features": f}})
	return string(b)
}

// parquetExportState is the resume manifest.
type parquetExportState struct {
	Format string               `json:"format"`
	Shards []parquetShardRecord `json:"shards"`
}

type parquetShardRecord struct {
	File  string `json:"file"`  // relative to the output folder
	Count int    `json:"count"` // rows
	Size  int64  `json:"size"`  // file size in bytes, checked on resume
}

// parquetWriter writes the shards. Not safe for concurrent use.
type parquetWriter struct {
	o          Options
	opts       []parquet.WriterOption
	state      parquetExportState
	skip       int // records still to skip (resume)
	next       int // number of the next shard
	cur        *AtomicFile
	w          *parquet.GenericWriter[parquetRow]
	rows       int   // rows in the current shard
	bytes      int64 // image bytes in the current shard
	groupRows  int
	groupBytes int64
	buf        []parquetRow
	closed     bool
	failed     error
}

// NewParquet starts a Parquet export into the folder o.Out (see above for the layout). With o.Resume, the
// shards an earlier run finished (listed in .loupe-export.json) are kept and as many records as they
// hold are skipped: the caller must pass the records in the same order.
func NewParquet(o Options) (Writer, error) {
	if err := Prepare(o.Out, o, o.Resume); err != nil {
		return nil, err
	}
	if o.ShardRows <= 0 {
		o.ShardRows = parquetShardRows
	}
	if o.ShardBytes <= 0 {
		o.ShardBytes = parquetShardBytes
	}
	w := &parquetWriter{o: o, state: parquetExportState{Format: "parquet"}}
	if o.Resume {
		if err := w.resume(); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(filepath.Join(o.Out, parquetDir), 0o755); err != nil {
		return nil, err
	}
	if err := w.saveState(); err != nil {
		return nil, err
	}
	w.opts = []parquet.WriterOption{
		parquet.Compression(&parquet.Snappy),
		parquet.CreatedBy("loupe", "export", "parquet"),
		parquet.KeyValueMetadata("huggingface", pqHFFeatures()),
		parquet.MaxRowsPerRowGroup(parquetGroupRows),
	}
	// Min/max bounds of pictures and long texts are meaningless and would bloat page headers and the footer.
	blobs := [][]string{{"image", "bytes"}, {"caption"}, {"loupe_prompt"}, {"loupe_provenance"}, {"loupe_history"},
		{"loupe_texts"}, {"loupe_pipeline"}, {"loupe_labels"}}
	for _, k := range review.CaptionKinds {
		blobs = append(blobs, []string{"caption_" + k}, []string{"caption_" + k + "_cn"})
	}
	for _, b := range blobs {
		w.opts = append(w.opts, parquet.SkipPageBounds(b...), parquet.SkipPageStatistics(b...))
	}
	return w, nil
}

// resume reads the manifest of an earlier run, keeps the shards it lists that are still intact (up to the
// first one that is not) and removes that run's temporary files.
func (w *parquetWriter) resume() error {
	b, err := os.ReadFile(filepath.Join(w.o.Out, parquetManifest))
	switch {
	case errors.Is(err, os.ErrNotExist):
		// Not an export of ours: only an empty (or absent) folder may be resumed into.
		ents, err := os.ReadDir(w.o.Out)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if len(ents) > 0 {
			return fmt.Errorf("%s: not a loupe parquet export (no %s) and not empty: %w", w.o.Out, parquetManifest, ErrExists)
		}
		return nil
	case err != nil:
		return err
	}
	var st parquetExportState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(w.o.Out, parquetManifest), err)
	}
	if st.Format != "parquet" {
		return fmt.Errorf("%s: an export in format %q, not parquet", w.o.Out, st.Format)
	}
	for i, s := range st.Shards {
		fi, err := os.Stat(filepath.Join(w.o.Out, filepath.FromSlash(s.File)))
		if s.File != pqShardName(i) || err != nil || fi.Size() != s.Size || s.Count < 0 {
			break // this shard and the ones after it are written again
		}
		w.state.Shards = append(w.state.Shards, s)
		w.skip += s.Count
		w.next = i + 1
	}
	// Leftover temporary files of an interrupted run.
	tmps, _ := filepath.Glob(filepath.Join(w.o.Out, parquetDir, ".train-*.parquet.tmp*"))
	for _, t := range tmps {
		os.Remove(t)
	}
	return nil
}

func (w *parquetWriter) saveState() error {
	b, err := json.MarshalIndent(w.state, "", "  ")
	if err != nil {
		return err
	}
	f, err := CreateAtomic(filepath.Join(w.o.Out, parquetManifest))
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

func (w *parquetWriter) Write(r *Record) error {
	if w.closed {
		return errors.New("parquet export: write after close")
	}
	if w.failed != nil {
		return w.failed
	}
	if w.skip > 0 {
		w.skip--
		return nil
	}
	row, err := pqRowOf(r)
	if err != nil {
		return err
	}
	if err := w.write(row); err != nil {
		w.failed = err
		return err
	}
	return nil
}

func (w *parquetWriter) write(row *parquetRow) error {
	if w.cur == nil {
		if err := w.openShard(); err != nil {
			return err
		}
	}
	w.buf = append(w.buf[:0], *row)
	if _, err := w.w.Write(w.buf); err != nil {
		return fmt.Errorf("%s: %w", w.cur.final, err)
	}
	w.buf[0] = parquetRow{} // drop references to the record's bytes
	sz := row.size()
	w.rows++
	w.bytes += int64(len(row.Image.Bytes))
	w.groupRows++
	w.groupBytes += sz
	if w.groupRows >= parquetGroupRows || w.groupBytes >= parquetGroupBytes {
		if err := w.w.Flush(); err != nil { // ends the row group: memory stays bounded
			return fmt.Errorf("%s: %w", w.cur.final, err)
		}
		w.groupRows, w.groupBytes = 0, 0
	}
	if w.rows >= w.o.ShardRows || w.bytes >= w.o.ShardBytes {
		return w.finishShard()
	}
	return nil
}

func (w *parquetWriter) openShard() error {
	f, err := CreateAtomic(filepath.Join(w.o.Out, filepath.FromSlash(pqShardName(w.next))))
	if err != nil {
		return err
	}
	w.cur = f
	w.w = parquet.NewGenericWriter[parquetRow](f, w.opts...)
	w.rows, w.bytes, w.groupRows, w.groupBytes = 0, 0, 0, 0
	return nil
}

// finishShard completes the current shard, renames it into place and records it in the manifest.
func (w *parquetWriter) finishShard() error {
	f := w.cur
	if err := w.w.Close(); err != nil {
		return fmt.Errorf("%s: %w", f.final, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("%s: %w", f.final, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	w.cur, w.w = nil, nil
	if err := f.Commit(); err != nil {
		return fmt.Errorf("%s: %w", f.final, err)
	}
	w.state.Shards = append(w.state.Shards, parquetShardRecord{File: pqShardName(w.next), Count: w.rows, Size: fi.Size()})
	w.next++
	return w.saveState()
}

func (w *parquetWriter) Close() error {
	if w.closed {
		return w.failed
	}
	w.closed = true
	if w.failed != nil {
		w.abortCurrent()
		return w.failed
	}
	if w.cur != nil && w.rows > 0 {
		if err := w.finishShard(); err != nil {
			w.abortCurrent()
			w.failed = err
			return err
		}
	}
	w.abortCurrent()
	// Shards of an earlier run beyond what this one wrote are not part of the export any more.
	ents, _ := os.ReadDir(filepath.Join(w.o.Out, parquetDir))
	for _, e := range ents {
		m := parquetShardRe.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		if n, err := strconv.Atoi(m[1]); err == nil && n >= w.next {
			os.Remove(filepath.Join(w.o.Out, parquetDir, e.Name()))
		}
	}
	return nil
}

func (w *parquetWriter) abortCurrent() {
	if w.cur != nil {
		if w.w != nil {
			w.w.Reset(pqDiscard{}) // release the buffered row group
		}
		w.cur.Abort()
		w.cur, w.w = nil, nil
	}
}

type pqDiscard struct{}

func (pqDiscard) Write(p []byte) (int, error) { return len(p), nil }

// Abort removes the shard being written; finished shards stay (with the manifest) for --resume. When
// no shard was finished, the folders this export created are removed too (only if empty).
func (w *parquetWriter) Abort() {
	w.abortCurrent()
	w.closed = true
	if w.failed == nil {
		w.failed = errors.New("parquet export: aborted")
	}
	if len(w.state.Shards) == 0 {
		if err := os.Remove(filepath.Join(w.o.Out, parquetDir)); err == nil || errors.Is(err, os.ErrNotExist) {
			os.Remove(filepath.Join(w.o.Out, parquetManifest))
			os.Remove(w.o.Out)
		}
	}
}

func (w *parquetWriter) Files() []string {
	out := make([]string, len(w.state.Shards))
	for i, s := range w.state.Shards {
		out[i] = s.File
	}
	return out
}

var _ Writer = (*parquetWriter)(nil)

// pqDetail fills the columns that let an import give the item back whole: the texts without a caption
// column, the pipeline's own scores and every machine label.
func pqDetail(p *parquetRow, r *Record) error {
	other := map[string]map[string]string{}
	for kind, langs := range r.Texts {
		if slices.Contains(review.CaptionKinds[:], kind) {
			continue // a caption column holds it
		}
		for lang, s := range langs {
			if s == "" || (kind == "prompt" && r.Prompt != nil && lang == r.Prompt.Lang) {
				continue // empty, or the generation's prompt (loupe_prompt)
			}
			if other[kind] == nil {
				other[kind] = map[string]string{}
			}
			other[kind][lang] = s
		}
	}
	var err error
	if p.OtherTexts, err = pqJSON(other, len(other) > 0); err != nil {
		return fmt.Errorf("%s: texts: %w", r.ID, err)
	}
	if p.Pipeline, err = pqJSON(r.Pipeline, len(r.Pipeline) > 0); err != nil {
		return fmt.Errorf("%s: pipeline: %w", r.ID, err)
	}
	if p.Labels, err = pqJSON(r.Labels, len(r.Labels) > 0); err != nil {
		return fmt.Errorf("%s: labels: %w", r.ID, err)
	}
	return nil
}

// pqJSON is v as a JSON string column value, null unless set.
func pqJSON(v any, set bool) (*string, error) {
	if !set {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}
