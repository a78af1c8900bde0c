package workspace

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/loupe-dev/loupe/judge"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// BatchOutReport is what writing batch request files did.
type BatchOutReport struct {
	RunID     int64
	Cached    int      // answered from the response cache and stored now
	Errors    int      // requests that could not be built
	LastError string   // the last of them
	Files     []string // the request files written
	Lines     int      // requests written
	InputTok  int      // estimated
	OutputTok int      // estimated
	CostUSD   float64  // estimated at the Batch API's half price
	CostKnown bool
}

// BatchOut writes the plan's open tasks as OpenAI Batch API request files at path (which must not
// exist), after storing what the response cache already answers, and records them as pending so
// BatchIn can join the results.
func (w *Workspace) BatchOut(ctx context.Context, plan *JudgePlan, path string) (*BatchOutReport, error) {
	b := plan.Backend
	if b.Offline() {
		return nil, fmt.Errorf("backend %q is an offline judge: there is nothing to batch", b.Name)
	}
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("%s exists: choose another --batch-out", path)
	}
	st := w.st
	runID, err := st.StartRun(ctx, "judge", b.Name, b.Model, `{"batch":true}`, plan.SetHash)
	if err != nil {
		return nil, err
	}
	rep := &BatchOutReport{RunID: runID}
	bw := &judge.BatchWriter{Path: path}
	cache := store.JudgeCache{S: st}
	var pend []store.Pending
	for _, t := range plan.Open {
		p, err := judge.Build(b, t)
		if err != nil {
			rep.Errors++
			rep.LastError = err.Error()
			continue
		}
		body, ok, err := cache.Get(ctx, p.Key)
		if err != nil {
			bw.Abort()
			return nil, err
		}
		if ok {
			v := judge.RedactResult(b, judge.InterpretMode(body, b.Parse).For(t, b)).Verdict
			v.RaterID, v.RunID = plan.RaterID, runID
			if err := st.SaveVerdicts(ctx, []review.Verdict{v}); err != nil {
				bw.Abort()
				return nil, err
			}
			rep.Cached++
			continue
		}
		if err := bw.Add(p.Key, p.Body); err != nil {
			bw.Abort()
			return nil, err
		}
		rep.InputTok += p.EstInput
		rep.OutputTok += p.EstOutput
		pend = append(pend, store.Pending{Key: p.Key, ItemID: t.ItemID, Dimension: t.Dimension(), RaterID: plan.RaterID,
			RubricHash: t.Rubric.Hash(), RunID: runID, File: bw.Current()})
	}
	if err := bw.Close(); err != nil {
		return nil, err
	}
	if err := st.AddPending(ctx, pend); err != nil {
		return nil, err
	}
	pin, pout, known := b.Prices()
	// the Batch API costs half the standard price
	rep.CostUSD, rep.CostKnown = (float64(rep.InputTok)*pin+float64(rep.OutputTok)*pout)/2e6, known
	rep.Files, rep.Lines = bw.Files, bw.Lines
	if err := st.FinishRun(ctx, runID, "done", store.RunTotals{Cached: rep.Cached}); err != nil {
		return nil, err
	}
	return rep, nil
}

// BatchInReport is what importing a batch results file did.
type BatchInReport struct {
	File       string         `json:"file"`
	Lines      int            `json:"lines"`
	Stored     int            `json:"stored"`
	Failed     int            `json:"failed_verdicts"`
	Duplicates int            `json:"already_stored"`
	Unknown    int            `json:"unknown_custom_id"`
	BadLines   []string       `json:"bad_lines,omitempty"`
	Missing    int            `json:"still_pending"`
	ByFile     map[string]int `json:"still_pending_by_file,omitempty"`
}

// BatchIn imports a batch results file: joins each line on custom_id with the pending requests,
// caches the responses and stores the verdicts; it reports unreadable, failed, unknown and missing
// lines. name is the file's name for messages.
func (w *Workspace) BatchIn(ctx context.Context, r io.Reader, name string) (*BatchInReport, error) {
	st := w.st
	pending, err := st.PendingByKey(ctx)
	if err != nil {
		return nil, err
	}
	s := &BatchInReport{File: name, ByFile: map[string]int{}}
	cache := store.JudgeCache{S: st}
	var batch []review.Verdict
	flush := func() error {
		err := st.SaveVerdicts(ctx, batch)
		batch = batch[:0]
		return err
	}
	err = judge.ReadBatchResults(r, func(r judge.BatchResult) error {
		s.Lines++
		p, ok := pending[r.CustomID]
		switch {
		case r.CustomID == "":
			s.BadLines = append(s.BadLines, fmt.Sprintf("line %d: %s", r.Line, r.Error))
			return nil
		case !ok:
			if _, hit, _ := cache.Get(ctx, r.CustomID); hit {
				s.Duplicates++
			} else {
				s.Unknown++
			}
			return nil
		case r.Error != "" || r.Body == nil:
			// the request failed in the batch: it stays pending, to be sent again
			s.BadLines = append(s.BadLines, fmt.Sprintf("line %d (%s): %s", r.Line, r.CustomID[:min(12, len(r.CustomID))], r.Error))
			return nil
		}
		mode := judge.ParseStrict
		if strings.Contains(p.Rater, "parse=extract") { // the rater says how its answers are read
			mode = judge.ParseExtract
		}
		v := judge.InterpretMode(r.Body, mode).Verdict
		if v.Error != "" {
			s.Failed++
		} else {
			s.Stored++
		}
		v.ItemID, v.Dimension, v.RaterID, v.RunID, v.RubricHash = p.ItemID, p.Dimension, p.RaterID, p.RunID, p.RubricHash
		v.Key, v.Response, v.Backend, v.Model = r.CustomID, r.Body, "batch", p.Model
		batch = append(batch, v)
		delete(pending, r.CustomID)
		if len(batch) >= 500 {
			return flush()
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	for _, p := range pending {
		s.Missing++
		s.ByFile[p.File]++
	}
	return s, nil
}
