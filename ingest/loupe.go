package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// restorer writes what `loupe export` records say about the items an import adds: the generation
// (prompt and model), every machine label under its own rater and the human history, replayed event by
// event. One restorer serves one transaction (it caches rater and annotator ids).
type restorer struct {
	tx         *sql.Tx
	raters     map[string]int64 // kind, name -> id
	annotators map[string]int64
	labels     int      // labels and human events added
	problems   []string // what could not be given back as it was, per item (the caller says where)
}

func newRestorer(tx *sql.Tx) *restorer {
	return &restorer{tx: tx, raters: map[string]int64{}, annotators: map[string]int64{}}
}

// itemKind is the kind an imported item gets: a loupe export's generation stays one.
func itemKind(lr *dataset.LoupeRecord) review.ItemKind {
	if lr != nil && lr.Kind == review.Generation {
		return review.Generation
	}
	return review.Sample
}

// subsetKind is the kind of subset an imported item goes into (a benchmark's for generations, as the
// PRISM-Bench importer makes them, so that counts by kind stay right).
func subsetKind(lr *dataset.LoupeRecord, plain string) string {
	if itemKind(lr) == review.Generation {
		return "benchmark"
	}
	return plain
}

// itemTexts are the texts to store as texts: all but a generation's prompt, which goes with the
// generation.
func itemTexts(lr *dataset.LoupeRecord, texts []review.Text) (keep []review.Text, prompt string) {
	for _, t := range texts {
		if itemKind(lr) == review.Generation && t.Kind == "prompt" && t.Lang == lr.Prompt.Lang {
			prompt = t.Body
			continue
		}
		keep = append(keep, t)
	}
	return keep, prompt
}

// restore writes a just-added item's generation, labels and history.
func (rs *restorer) restore(ctx context.Context, itemID int64, ext string, lr *dataset.LoupeRecord, prompt string) error {
	tx := rs.tx
	if itemKind(lr) == review.Generation {
		idx := lr.Prompt.Index
		if idx < 0 { // no benchmark position recorded: the next free one of its suite
			var err error
			if idx, err = store.NextPromptIndex(ctx, tx, lr.Prompt.Suite, lr.Prompt.Lang, lr.Track); err != nil {
				return err
			}
		}
		pid, err := store.EnsurePrompt(ctx, tx, lr.Prompt.Suite, lr.Prompt.Lang, lr.Track, idx, prompt)
		if err != nil {
			return err
		}
		if body, err := store.PromptBody(ctx, tx, pid); err != nil {
			return err
		} else if body != prompt {
			// the workspace's prompt of that suite, track and index is the one it had
			rs.problems = append(rs.problems, fmt.Sprintf("item %s: the workspace's %s %s prompt %s/%d differs from the record's; the workspace's is kept",
				ext, lr.Prompt.Suite, lr.Prompt.Lang, lr.Track, idx))
		}
		if err := store.EnsureGeneration(ctx, tx, itemID, pid, lr.Model); err != nil {
			return err
		}
		if got, err := store.GenerationPrompt(ctx, tx, itemID); err != nil {
			return err
		} else if got != pid {
			rs.problems = append(rs.problems, fmt.Sprintf("item %s: another item is already model %s's generation of that prompt; %s is kept without its prompt",
				ext, lr.Model, ext))
		}
	}
	for _, l := range lr.Labels {
		rater, err := rs.rater(ctx, l)
		if err != nil {
			return fmt.Errorf("item %s: %w", ext, err)
		}
		added, err := store.RestoreLabel(ctx, tx, itemID, rater, l)
		if err != nil {
			return fmt.Errorf("item %s: %w", ext, err)
		}
		if added {
			rs.labels++
		}
	}
	ids := make([]int64, len(lr.Log)+1) // seq -> the event's id here
	for _, e := range lr.Log {
		ann, err := rs.annotator(ctx, e.Annotator)
		if err != nil {
			return fmt.Errorf("item %s: %w", ext, err)
		}
		var at time.Time
		if e.At != "" {
			if at, err = time.Parse(time.RFC3339Nano, e.At); err != nil {
				return fmt.Errorf("item %s: event %d: %w", ext, e.Seq, err)
			}
		}
		id, err := store.AppendEvent(ctx, tx, store.NewEvent{ItemID: itemID, AnnotatorID: ann, Dimension: e.Dimension, Kind: e.Kind,
			Value: e.Value, ValueText: e.ValueText, Replaces: ids[e.Replaces], Reason: e.Reason, CreatedAt: at})
		if err != nil {
			return fmt.Errorf("item %s: event %d: %w", ext, e.Seq, err)
		}
		ids[e.Seq] = id
		rs.labels++
	}
	return nil
}

// rater returns the id of a label's rater, creating it as the export described it.
func (rs *restorer) rater(ctx context.Context, l review.RecordLabel) (int64, error) {
	key := l.RaterKind + "\x00" + l.Rater
	if id, ok := rs.raters[key]; ok {
		return id, nil
	}
	id, err := store.EnsureRater(ctx, rs.tx, l.RaterKind, l.Rater, l.RaterModel, l.RubricSet)
	if err != nil {
		return 0, err
	}
	rs.raters[key] = id
	return id, nil
}

func (rs *restorer) annotator(ctx context.Context, name string) (int64, error) {
	if id, ok := rs.annotators[name]; ok {
		return id, nil
	}
	id, err := store.EnsureAnnotator(ctx, rs.tx, name)
	if err != nil {
		return 0, err
	}
	rs.annotators[name] = id
	return id, nil
}
