// The export: the items a filter selects become export records. It pages through the workspace in
// export order (a shard front to back), reads pictures and shard captions, and works out each
// dimension's final value and its provenance. The CLI and the review screen's export key share it.
//
// Shard rows are read by a sequential scanner (exportSource), the fast path of the content resolver
// (content.go) for many rows of one shard: dataset.ShardScanner.Item makes the same checks as
// dataset.ReadRow (a changed shard, a row holding another id); picture files go through ContentOf.

package workspace

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/export"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// ExportProgress is reported after every record.
type ExportProgress struct {
	Done, Total int
	Bytes       int64 // image bytes written
	Elapsed     time.Duration
}

// ExportSummary is what an export did.
type ExportSummary struct {
	Format     string         `json:"format"`
	Out        string         `json:"out"`
	Filter     string         `json:"filter"`
	Records    int            `json:"records"`
	Skipped    int            `json:"skipped_on_resume,omitempty"`
	ImageBytes int64          `json:"image_bytes"`
	ByDecision map[string]int `json:"by_decision"`
	Files      []string       `json:"files"`
	Seconds    float64        `json:"seconds"`
	DryRun     bool           `json:"dry_run,omitempty"`
	Estimated  bool           `json:"image_bytes_estimated,omitempty"`
}

// exportPage is how many items are made into records at a time: memory stays bounded whatever the
// export's size.
const exportPage = 256

// exportQuery is how many items' rows are queried at once, handed on exportPage at a time: each of
// ExportRows' queries costs a statement prepared for its list of ids, much of it whatever the list's
// length, and the rows without their pictures are small.
const exportQuery = 4 * exportPage

// exportSource reads pictures and shard captions, keeping the current shard open for sequential reads.
type exportSource struct {
	path string
	scan *dataset.ShardScanner
}

// row reads the shard row an item points at, refusing a changed shard or a row holding another id.
func (s *exportSource) row(ref review.ImageRef) (*dataset.ShardRow, error) {
	if s.path != ref.Shard {
		s.close()
		sc, err := dataset.OpenShardScanner(ref.Shard)
		if err != nil {
			return nil, err
		}
		s.path, s.scan = ref.Shard, sc
	}
	return s.scan.Item(ref)
}

func (s *exportSource) close() {
	if s.scan != nil {
		s.scan.Close()
		s.scan, s.path = nil, ""
	}
}

// Record builds an export record from a workspace row: texts (shard captions included), the picture,
// the final value of every dimension with its provenance, the decision and the history summary.
func (s *exportSource) Record(r *store.ExportRow, withImage bool) (*export.Record, error) {
	// sized for a FLUX row (eight caption kinds, nine pipeline scores): no map grows while it is filled
	rec := &export.Record{ID: r.ExtID, Kind: r.Kind, Subset: r.Subset, Track: r.Track, Model: r.Model,
		Texts: make(map[string]map[string]string, 8), Values: make(map[string]export.Value, 16), Decision: r.Decision}
	addText := func(kind, lang, body string) {
		if body == "" {
			return
		}
		if rec.Texts[kind] == nil {
			rec.Texts[kind] = map[string]string{}
		}
		rec.Texts[kind][lang] = body
	}
	for _, t := range r.Texts {
		addText(t.Kind, t.Lang, t.Body)
	}
	if r.Prompt != "" {
		addText("prompt", r.Lang, r.Prompt)
	}
	switch {
	case r.ImagePath != "":
		if withImage {
			b, err := ContentOf(&review.Item{Image: r.Image}).Picture()
			if err != nil {
				return nil, fmt.Errorf("item %s: %w", r.ExtID, err)
			}
			rec.Image = b
		}
	case r.Shard != "":
		row, err := s.row(r.Image)
		if err != nil {
			return nil, fmt.Errorf("item %s: %w", r.ExtID, err)
		}
		for k, kind := range review.CaptionKinds { // as captionTexts, without its slice
			addText(kind, "en", row.EN[k])
			addText(kind, "zh", row.ZH[k])
		}
		if withImage {
			rec.Image = row.Image
		}
	}
	rec.ImageExt = export.ImageExt(rec.Image)
	provenance(rec, r)
	return rec, nil
}

// EachRecord calls fn with every record the filter selects, in export order, loading a exportPage at a time; the
// pictures of the first images records are read (images < 0: all). fn runs on the caller's goroutine
// while the next records are made on others (see exportPipeline); a record is fn's to keep.
func EachRecord(ctx context.Context, st *store.Store, f review.Filter, images int, fn func(i, total int, r *export.Record) error) error {
	ids, err := st.ExportIDs(ctx, f)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := &exportPipeline{pages: make(chan exportBatch, 1), recs: make(chan exportBatch, 2)}
	go p.load(ctx, st, ids, f)
	go p.build(ctx, images)
	done := 0
	for b := range p.recs {
		for k, rec := range b.recs { // on an error, the records before the failing one
			if err := fn(b.start+k, len(ids), rec); err != nil {
				return err
			}
			done++
		}
		if b.err != nil {
			return b.err
		}
	}
	if done < len(ids) {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fmt.Errorf("export: %d of %d records made", done, len(ids)) // not reached: a stage stops with an error
	}
	return nil
}

// exportPipeline makes records in three stages, so that an export's work spreads over the cores: load
// queries the workspace a page of items at a time, build reads the pictures and shard captions and
// makes the records (a shard read front to back), and EachRecord's caller writes them. Each stage
// hands the next whole pages through a short channel, so that at most a few pages are in memory; a
// stage stops when the context is cancelled (the caller returned) and closes its output.
type exportPipeline struct {
	pages chan exportBatch // load -> build
	recs  chan exportBatch // build -> EachRecord
}

type exportBatch struct {
	start int // the index of the batch's first item in the export
	rows  []store.ExportRow
	recs  []*export.Record
	err   error
}

// send hands b to the next stage, or reports false when the export was called off.
func send(ctx context.Context, ch chan<- exportBatch, b exportBatch) bool {
	select {
	case ch <- b:
		return b.err == nil
	case <-ctx.Done():
		return false
	}
}

func (p *exportPipeline) load(ctx context.Context, st *store.Store, ids []int64, f review.Filter) {
	defer close(p.pages)
	for start := 0; start < len(ids); start += exportQuery {
		if err := ctx.Err(); err != nil {
			send(ctx, p.pages, exportBatch{err: err})
			return
		}
		rows, err := st.ExportRows(ctx, ids[start:min(len(ids), start+exportQuery)], f)
		if err != nil {
			send(ctx, p.pages, exportBatch{start: start, err: err})
			return
		}
		for at := 0; at < len(rows); at += exportPage {
			if !send(ctx, p.pages, exportBatch{start: start + at, rows: rows[at:min(len(rows), at+exportPage)]}) {
				return
			}
		}
	}
}

func (p *exportPipeline) build(ctx context.Context, images int) {
	defer close(p.recs)
	src := &exportSource{}
	defer src.close()
	for b := range p.pages {
		if b.err == nil {
			b.recs = make([]*export.Record, len(b.rows))
			for i := range b.rows {
				rec, err := src.Record(&b.rows[i], images < 0 || b.start+i < images)
				if err != nil {
					b.recs, b.err = b.recs[:i], err
					break
				}
				b.recs[i] = rec
			}
			b.rows = nil
		}
		if !send(ctx, p.recs, b) {
			for range p.pages { // let load see the cancellation and stop
			}
			return
		}
	}
}

// Export exports what the filter selects through the writer (closing it), reporting progress. With
// dryRun it writes nothing: it counts records and the image bytes they hold (read for the first 200,
// the rest estimated from them).
func Export(ctx context.Context, st *store.Store, f review.Filter, format string, o export.Options, dryRun bool, progress func(ExportProgress)) (*ExportSummary, error) {
	sum := &ExportSummary{Format: format, Out: o.Out, Filter: review.FilterString(f), ByDecision: map[string]int{}, DryRun: dryRun}
	start := time.Now()
	if dryRun {
		const sample = 200
		var sampled int
		var bytes int64
		err := EachRecord(ctx, st, f, sample, func(i, total int, r *export.Record) error {
			sum.Records++
			sum.ByDecision[r.Decision]++
			if i < sample {
				sampled++
				bytes += int64(len(r.Image))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if sampled > 0 {
			sum.ImageBytes = int64(math.Round(float64(bytes) / float64(sampled) * float64(sum.Records)))
			sum.Estimated = sampled < sum.Records
		}
		sum.Seconds = time.Since(start).Seconds()
		return sum, nil
	}
	o.Card.Filter = sum.Filter
	w, err := export.New(format, o)
	if err != nil {
		return nil, err
	}
	err = EachRecord(ctx, st, f, -1, func(i, total int, r *export.Record) error {
		if err := w.Write(r); err != nil {
			return fmt.Errorf("item %s: %w", r.ID, err)
		}
		sum.Records++
		sum.ByDecision[r.Decision]++
		sum.ImageBytes += int64(len(r.Image))
		if progress != nil {
			progress(ExportProgress{Done: i + 1, Total: total, Bytes: sum.ImageBytes, Elapsed: time.Since(start)})
		}
		return nil
	})
	if err != nil {
		w.Abort()
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	sum.Files = w.Files()
	sum.Seconds = time.Since(start).Seconds()
	return sum, nil
}
