package ingest

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/store"
)

// importLoupeShard imports a shard written by `loupe export --format parquet` (see
// dataset.ReadLoupeShard), one transaction for the shard: each item comes back as it was exported
// (kind, subset, generation, the pipeline's scores, every machine label, the human history), its
// picture and captions left in the shard and read on demand. An item already in the workspace is left
// as it is (a row of this same shard, rewritten, gets its new position).
func importLoupeShard(ctx context.Context, st *store.Store, path string, size, mtime int64, r *Report) error {
	rows, probs, err := dataset.ReadLoupeShard(path)
	if err != nil {
		return err
	}
	defSubset := subsetFor(path)
	var inserted, updated, texts, skipped int
	var problems []dataset.Problem
	var rs *restorer
	err = store.InTx(ctx, st.DB, func(tx *sql.Tx) error {
		inserted, updated, texts, skipped, problems = 0, 0, 0, 0, nil
		rs = newRestorer(tx)
		srcID, err := store.EnsureSource(ctx, tx, "parquet", path)
		if err != nil {
			return err
		}
		subsets := map[string]int64{}
		for _, row := range rows {
			where := fmt.Sprintf("row %d", row.Row)
			name := row.Subset
			if name == "" {
				name = defSubset(row.ID)
			}
			key := subsetKind(row.Loupe, "dataset") + "\x00" + name
			sid, ok := subsets[key]
			if !ok {
				if sid, err = store.EnsureSubset(ctx, tx, name, subsetKind(row.Loupe, "dataset")); err != nil {
					return err
				}
				subsets[key] = sid
			}
			id, added, err := store.InsertItem(ctx, tx, store.NewItem{ExtID: row.ID, Kind: itemKind(row.Loupe), SubsetID: sid,
				SourceID: srcID, Captions: row.Captions, Scores: row.Loupe.Scores})
			if err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			if !added {
				from, err := store.ItemSource(ctx, tx, id)
				if err != nil {
					return err
				}
				if from != srcID {
					problems = append(problems, dataset.Problem{File: path, Where: where,
						Message: fmt.Sprintf("id %q already imported from another source; skipped", row.ID)})
					skipped++
					continue
				}
				// this shard, rewritten: the row may have moved
				if err := store.SetItemRow(ctx, tx, id, srcID, row.Row); err != nil {
					return err
				}
				updated++
				continue
			}
			if err := store.SetItemRow(ctx, tx, id, srcID, row.Row); err != nil {
				return err
			}
			inserted++
			keep, prompt := itemTexts(row.Loupe, row.Texts)
			for _, t := range keep {
				if ok, err := store.PutText(ctx, tx, id, t.Kind, t.Lang, t.Body); err != nil {
					return fmt.Errorf("%s: %w", where, err)
				} else if ok {
					texts++
				}
			}
			n := len(rs.problems)
			if err := rs.restore(ctx, id, row.ID, row.Loupe, prompt); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			for _, m := range rs.problems[n:] {
				problems = append(problems, dataset.Problem{File: path, Where: where, Message: m})
			}
		}
		// size and time as read: on-demand reads refuse the shard once it changes
		return store.FinishSource(ctx, tx, srcID, size, mtime, int64(len(rows)+len(probs)))
	})
	if err != nil {
		return err
	}
	r.Inserted += inserted
	r.Updated += updated
	r.Texts += texts
	r.Labels += rs.labels
	r.Skipped += len(probs) + skipped
	for _, p := range append(probs, problems...) {
		r.problem(p)
	}
	return nil
}
