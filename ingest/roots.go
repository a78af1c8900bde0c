package ingest

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/store"
)

// rootFolder is the data root a file imported through these inputs belongs to: the input folder that
// holds it, else the file's own folder.
func rootFolder(inputs []string, file string) string {
	best := ""
	for _, in := range inputs {
		if st, err := os.Stat(in); err == nil && st.IsDir() {
			if rel, err := filepath.Rel(in, file); err == nil && filepath.IsLocal(rel) && len(in) > len(best) {
				best = in
			}
		}
	}
	if best == "" {
		best = filepath.Dir(file)
	}
	return best
}

// recordSourceRoot files a source (by its path) under its data root, with its fingerprint.
func recordSourceRoot(ctx context.Context, q store.Querier, sourceID int64, folder, path, fingerprint string) error {
	root, err := store.EnsureRoot(ctx, q, folder, path)
	if err != nil {
		return err
	}
	return store.SetSourceRoot(ctx, q, sourceID, root, path, fingerprint)
}

// recordShardRoot files an indexed shard under its data root with its content fingerprint (fp, read
// here when "").
func recordShardRoot(ctx context.Context, st *store.Store, path, folder, fp string) error {
	if fp == "" {
		// indexed already, so readable; a footer that cannot be fingerprinted only loses relocation
		fp, _ = dataset.ShardFingerprint(path)
	}
	return store.InTx(ctx, st.DB, func(tx *sql.Tx) error {
		src, err := store.EnsureSource(ctx, tx, "parquet", path)
		if err != nil {
			return err
		}
		return recordSourceRoot(ctx, tx, src, folder, path, fp)
	})
}

// relocateShard recognises a shard imported before from another path that no longer exists (its data
// folder moved): the same content fingerprint. It points that source at the new path and returns the
// old path ("" when the shard is not such a one), and the fingerprint when it read one.
func relocateShard(ctx context.Context, st *store.Store, path, folder string, size, mtime int64) (string, string, error) {
	if _, err := st.Source(ctx, path); err == nil || !errors.Is(err, store.ErrNotFound) {
		return "", "", err // known at this path (changed): index it again
	}
	fp, err := dataset.ShardFingerprint(path)
	if err != nil {
		return "", "", nil // the indexer reports what is wrong with it
	}
	old, err := store.SourceByFingerprint(ctx, st.DB, "parquet", fp, path)
	if errors.Is(err, store.ErrNotFound) {
		old, err = legacySource(ctx, st, path)
	}
	if errors.Is(err, store.ErrNotFound) || (err == nil && !old.Complete) {
		return "", fp, nil
	}
	if err != nil {
		return "", "", err
	}
	if _, err := os.Stat(old.Path); err == nil {
		return "", fp, nil // the old copy is still there: this is a second copy, not a move
	}
	return old.Path, fp, store.InTx(ctx, st.DB, func(tx *sql.Tx) error {
		root, err := store.EnsureRoot(ctx, tx, folder, path)
		if err != nil {
			return err
		}
		return store.RelocateSource(ctx, tx, old.ID, path, root, size, mtime, fp)
	})
}

// legacySource looks a shard up by the fingerprint workspaces recorded before versioned ones (a hash
// of the whole footer), only when the workspace holds such fingerprints: reading every footer in full
// is what versioned fingerprints avoid.
func legacySource(ctx context.Context, st *store.Store, path string) (store.SourceState, error) {
	has, err := store.HasUnversionedFingerprints(ctx, st.DB, "parquet")
	if err != nil || !has {
		return store.SourceState{}, cmp.Or(err, store.ErrNotFound)
	}
	fp, err := dataset.LegacyShardFingerprint(path)
	if err != nil {
		return store.SourceState{}, store.ErrNotFound
	}
	return store.SourceByFingerprint(ctx, st.DB, "parquet", fp, path)
}

// inspectPicture checks a picture file for import: a regular file holding a readable picture, inside
// folder (symlinks resolved) unless allowOutside. It returns its size and hash, and whether it lies
// outside.
func inspectPicture(path, folder string, allowOutside bool) (dataset.PictureFile, bool, error) {
	pic, err := dataset.InspectPicture(path)
	if err != nil {
		return pic, false, err
	}
	in, err := dataset.Within(path, folder)
	if err != nil {
		return pic, false, err
	}
	if !in && !allowOutside {
		return pic, false, fmt.Errorf("image %s: resolves outside %s, the folder being imported (--allow-outside to import it)", path, folder)
	}
	return pic, !in, nil
}

// repointMoved updates an item imported before from another source when this is the same picture
// (same size and content hash) found at a new place: a moved folder re-imported.
func repointMoved(ctx context.Context, tx store.Querier, itemID, srcID int64, imagePath string, pic dataset.PictureFile) error {
	_, err := store.RepointIfSame(ctx, tx, itemID, srcID, imagePath, pic.Size, pic.Hash)
	return err
}
