package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// importFolder imports a plain folder of images (recursively). An image's id is <folder>/<relative path>;
// a sidecar text file with the same name (a.png + a.txt) becomes its caption.
func importFolder(ctx context.Context, st *store.Store, paths []string, o Options) (*Report, error) {
	r := &Report{Format: Folder}
	for _, root := range paths {
		var imgs []string
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				r.problem(dataset.Problem{File: p, Message: unwrapPathErr(err).Error()})
				if d != nil && d.IsDir() && p != root {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && dataset.ImageExts[strings.ToLower(filepath.Ext(p))] {
				imgs = append(imgs, p)
			}
			return nil
		})
		if err != nil {
			return r, err
		}
		if len(imgs) == 0 {
			return r, fmt.Errorf("%s: no images (.png, .jpg, .jpeg, .webp, .gif)", root)
		}
		r.Sources++
		name := filepath.Base(root)
		for start := 0; start < len(imgs); start += manifestBatch {
			batch := imgs[start:min(start+manifestBatch, len(imgs))]
			var inserted, texts int
			var probs []dataset.Problem
			err := store.InTx(ctx, st.DB, func(tx *sql.Tx) error {
				inserted, texts, probs = 0, 0, nil
				srcID, err := store.EnsureSource(ctx, tx, "folder", root)
				if err != nil {
					return err
				}
				subID, err := store.EnsureSubset(ctx, tx, name, "folder")
				if err != nil {
					return err
				}
				if err := recordSourceRoot(ctx, tx, srcID, root, root, ""); err != nil {
					return err
				}
				for _, p := range batch {
					pic, outside, err := inspectPicture(p, root, o.AllowOutside)
					if err != nil {
						probs = append(probs, dataset.Problem{File: p, Message: err.Error() + "; skipped"})
						continue
					}
					rel, _ := filepath.Rel(root, p)
					cap, capErr := sidecar(p)
					if capErr != nil {
						probs = append(probs, dataset.Problem{File: p, Message: capErr.Error()})
					}
					mask := uint16(0)
					if cap != "" {
						mask = 1 << 7
					}
					id, added, err := store.InsertItem(ctx, tx, store.NewItem{ExtID: name + "/" + filepath.ToSlash(rel),
						Kind: review.Sample, SubsetID: subID, SourceID: srcID, ImagePath: rel, Captions: mask, Scores: review.NoScores,
						ImageSize: pic.Size, ImageHash: pic.Hash, Outside: outside})
					if err != nil {
						return fmt.Errorf("%s: %w", p, err)
					}
					if !added {
						if err := repointMoved(ctx, tx, id, srcID, rel, pic); err != nil {
							return fmt.Errorf("%s: %w", p, err)
						}
						continue
					}
					inserted++
					if cap != "" {
						if _, err := store.PutText(ctx, tx, id, "detail", "en", cap); err != nil {
							return err
						}
						texts++
					}
				}
				return nil
			})
			if err != nil {
				return r, err
			}
			r.Inserted += inserted
			r.Texts += texts
			r.Skipped += len(probs)
			for _, p := range probs {
				r.problem(p)
			}
		}
		report(o, "imported %s: %d new items", root, r.Inserted)
	}
	return r, nil
}

// sidecar reads a.txt beside a.png, if any.
func sidecar(img string) (string, error) {
	b, err := dataset.ReadRegular(strings.TrimSuffix(img, filepath.Ext(img)) + ".txt")
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("caption file: %w", unwrapPathErr(err))
	}
	return strings.TrimSpace(string(b)), nil
}
