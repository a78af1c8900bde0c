package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/store"
)

const manifestBatch = 2000 // items per transaction

// importJSONL imports generic JSONL manifests (one item per line; see dataset.ReadManifest). Image paths
// are resolved against the manifest's folder; an item whose image is missing or unreadable is skipped
// and reported. Items commit in batches; an item already present is left as it is.
func importJSONL(ctx context.Context, st *store.Store, paths []string, o Options) (*Report, error) {
	r := &Report{Format: JSONL}
	for _, p := range paths {
		items, probs, err := dataset.ReadManifest(p)
		if err != nil {
			return r, err
		}
		r.Sources++
		for _, pr := range probs {
			r.problem(pr)
		}
		r.Skipped += len(probs)
		base := filepath.Dir(p)
		defSubset := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		var good []dataset.ManifestItem
		for _, it := range items {
			img := it.Image
			if !filepath.IsAbs(img) {
				img = filepath.Join(base, img)
			}
			pic, outside, err := inspectPicture(img, base, o.AllowOutside)
			if err != nil {
				r.problem(dataset.Problem{File: p, Where: fmt.Sprintf("line %d", it.Line), Message: err.Error() + "; skipped"})
				r.Skipped++
				continue
			}
			// kept relative to the manifest's folder, so the folder can move (loupe roots move)
			if rel, err := filepath.Rel(base, img); err == nil && !outside && filepath.IsLocal(rel) {
				img = rel
			}
			it.Image, it.File, it.Outside = img, pic, outside
			good = append(good, it)
		}
		for start := 0; start < len(good); start += manifestBatch {
			batch := good[start:min(start+manifestBatch, len(good))]
			err := store.InTx(ctx, st.DB, func(tx *sql.Tx) error {
				return writeManifestBatch(ctx, tx, p, defSubset, batch, r)
			})
			if err != nil {
				return r, fmt.Errorf("%s: lines %d-%d not imported: %w", p, batch[0].Line, batch[len(batch)-1].Line, err)
			}
		}
		if fi, err := os.Stat(p); err == nil {
			if err := store.InTx(ctx, st.DB, func(tx *sql.Tx) error {
				id, err := store.EnsureSource(ctx, tx, "jsonl", p)
				if err != nil {
					return err
				}
				if err := recordSourceRoot(ctx, tx, id, rootFolder(paths, p), p, ""); err != nil {
					return err
				}
				return store.FinishSource(ctx, tx, id, fi.Size(), fi.ModTime().UnixNano(), int64(len(items)))
			}); err != nil {
				return r, err
			}
		}
		report(o, "imported %s: %d new items", filepath.Base(p), r.Inserted)
	}
	return r, nil
}

func writeManifestBatch(ctx context.Context, tx *sql.Tx, path, defSubset string, batch []dataset.ManifestItem, r *Report) error {
	srcID, err := store.EnsureSource(ctx, tx, "jsonl", path)
	if err != nil {
		return err
	}
	subsets := map[string]int64{}
	var inserted, texts, labels int
	rs := newRestorer(tx) // a loupe export's lines: generations, labels and history
	var problems []dataset.Problem
	for _, it := range batch {
		name := it.Subset
		if name == "" {
			name = defSubset
		}
		sid, ok := subsets[name]
		if !ok {
			if sid, err = store.EnsureSubset(ctx, tx, name, subsetKind(it.Loupe, "manifest")); err != nil {
				return err
			}
			subsets[name] = sid
		}
		id, added, err := store.InsertItem(ctx, tx, store.NewItem{ExtID: it.ID, Kind: itemKind(it.Loupe), SubsetID: sid,
			SourceID: srcID, ImagePath: it.Image, Captions: it.Captions, Scores: it.Scores,
			ImageSize: it.File.Size, ImageHash: it.File.Hash, Outside: it.Outside})
		if err != nil {
			return fmt.Errorf("line %d: %w", it.Line, err)
		}
		if !added {
			// already imported: re-import adds nothing, but the same picture found at a new place
			// (the data folder moved) updates where it is
			if err := repointMoved(ctx, tx, id, srcID, it.Image, it.File); err != nil {
				return fmt.Errorf("line %d: %w", it.Line, err)
			}
			continue
		}
		inserted++
		keep, prompt := itemTexts(it.Loupe, it.Texts)
		for _, t := range keep {
			if ok, err := store.PutText(ctx, tx, id, t.Kind, t.Lang, t.Body); err != nil {
				return fmt.Errorf("line %d: %w", it.Line, err)
			} else if ok {
				texts++
			}
		}
		for dim, v := range it.Other {
			v := v
			if ok, err := store.PutLabel(ctx, tx, store.NewLabel{ItemID: id, Dimension: dim, RaterID: store.PipelineRater, Value: &v}); err != nil {
				return fmt.Errorf("line %d: %w", it.Line, err)
			} else if ok {
				labels++
			}
		}
		if it.Loupe != nil {
			n := len(rs.problems)
			if err := rs.restore(ctx, id, it.ID, it.Loupe, prompt); err != nil {
				return fmt.Errorf("line %d: %w", it.Line, err)
			}
			for _, m := range rs.problems[n:] {
				problems = append(problems, dataset.Problem{File: path, Where: fmt.Sprintf("line %d", it.Line), Message: m})
			}
		}
	}
	// Count only after the batch's transaction body succeeded.
	r.Inserted += inserted
	r.Texts += texts
	r.Labels += labels + rs.labels
	for _, p := range problems {
		r.problem(p)
	}
	return nil
}
