package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Root is a named data folder that imports read from.
type Root struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Path    string `json:"path"`
	Sources int    `json:"sources"`
	Missing int    `json:"sources_missing"` // sources whose file or folder is not at its path now
}

// EnsureRoot returns the root that holds path: the existing root it lies in (the deepest), else a new
// root at folder, named after it (a number added when the name is taken).
func EnsureRoot(ctx context.Context, q Querier, folder, path string) (Root, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, path FROM roots`)
	if err != nil {
		return Root{}, wrapErr(err)
	}
	var best Root
	names := map[string]bool{}
	for rows.Next() {
		var r Root
		if err := rows.Scan(&r.ID, &r.Name, &r.Path); err != nil {
			rows.Close()
			return Root{}, err
		}
		names[r.Name] = true
		if inside(path, r.Path) && len(r.Path) > len(best.Path) {
			best = r
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Root{}, err
	}
	if best.ID != 0 {
		return best, nil
	}
	base := filepath.Base(folder)
	if base == "/" || base == "." || base == "" {
		base = "root"
	}
	name := base
	for i := 2; names[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	res, err := q.ExecContext(ctx, `INSERT INTO roots (name, path) VALUES (?, ?)`, name, folder)
	if err != nil {
		return Root{}, wrapErr(err)
	}
	id, err := res.LastInsertId()
	return Root{ID: id, Name: name, Path: folder}, err
}

// inside reports whether path is folder or lies under it (both clean and absolute).
func inside(path, folder string) bool {
	if path == folder {
		return true
	}
	if folder == "/" {
		return strings.HasPrefix(path, "/")
	}
	return strings.HasPrefix(path, folder+string(filepath.Separator))
}

// SetSourceRoot records a source's root and, when known, its content fingerprint.
func SetSourceRoot(ctx context.Context, q Querier, sourceID int64, root Root, path, fingerprint string) error {
	rel, err := filepath.Rel(root.Path, path)
	if err != nil || !inside(path, root.Path) {
		return fmt.Errorf("%s is not inside data root %s (%s)", path, root.Name, root.Path)
	}
	_, err = q.ExecContext(ctx, `UPDATE sources SET root_id = ?, rel = ?, fingerprint = coalesce(nullif(?, ''), fingerprint) WHERE id = ?`,
		root.ID, filepath.ToSlash(rel), fingerprint, sourceID)
	return wrapErr(err)
}

// Roots lists the data roots with their sources and how many of those are missing on disk now.
func (s *Store) Roots(ctx context.Context) ([]Root, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT r.id, r.name, r.path, s.path FROM roots r LEFT JOIN sources s ON s.root_id = r.id ORDER BY r.name, s.path`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Root{}
	for rows.Next() {
		var r Root
		var src sql.NullString
		if err := rows.Scan(&r.ID, &r.Name, &r.Path, &src); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != r.ID {
			out = append(out, r)
		}
		if src.Valid {
			last := &out[len(out)-1]
			last.Sources++
			if _, err := os.Stat(src.String); err != nil {
				last.Missing++
			}
		}
	}
	return out, rows.Err()
}

// MoveRoot points a data root (by name or path) at a new folder: every source under it, and every
// picture path stored absolute under it, now resolves in the new folder. It returns the root as moved.
func (s *Store) MoveRoot(ctx context.Context, old, to string) (Root, error) {
	to = filepath.Clean(to)
	if !filepath.IsAbs(to) {
		return Root{}, fmt.Errorf("%s: give the new folder as an absolute path", to)
	}
	var r Root
	err := InTx(ctx, s.DB, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id, name, path FROM roots WHERE name = ? OR path = ?`, old, filepath.Clean(old)).
			Scan(&r.ID, &r.Name, &r.Path)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no data root named %q or at that path (loupe roots lists them)", old)
		}
		if err != nil {
			return err
		}
		from := r.Path
		if _, err := tx.ExecContext(ctx, `UPDATE roots SET path = ? WHERE id = ?`, to, r.ID); err != nil {
			return err
		}
		join := to + "/"
		if to == "/" {
			join = "/"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sources SET path = CASE WHEN rel = '.' THEN ? ELSE ? || rel END WHERE root_id = ?`,
			to, join, r.ID); err != nil {
			return err
		}
		// pictures stored with absolute paths under the old folder (older workspaces, manifests)
		prefix := from + "/"
		_, err = tx.ExecContext(ctx, `UPDATE items SET image_path = ? || substr(image_path, ?)
			WHERE source_id IN (SELECT id FROM sources WHERE root_id = ?) AND substr(image_path, 1, ?) = ?`,
			join, len(prefix)+1, r.ID, len(prefix), prefix)
		r.Path = to
		return err
	})
	if err != nil {
		return Root{}, wrapErr(err)
	}
	return r, nil
}

// SourceByFingerprint finds a source of this kind imported with this content fingerprint at another
// path (ErrNotFound when none).
func SourceByFingerprint(ctx context.Context, q Querier, kind, fingerprint, notPath string) (SourceState, error) {
	var st SourceState
	err := q.QueryRowContext(ctx, `SELECT id, path, size, mtime, complete, rows_done FROM sources
		WHERE kind = ? AND fingerprint = ? AND path != ? ORDER BY id LIMIT 1`, kind, fingerprint, notPath).
		Scan(&st.ID, &st.Path, &st.Size, &st.MTime, &st.Complete, &st.RowsDone)
	return st, wrapErr(err)
}

// HasUnversionedFingerprints reports whether a source of this kind was recorded with a fingerprint of
// the kind made before versioned ("v2:") ones: only then does relocation compute the old kind too.
func HasUnversionedFingerprints(ctx context.Context, q Querier, kind string) (bool, error) {
	var ok bool
	err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sources
		WHERE kind = ? AND coalesce(fingerprint, '') != '' AND fingerprint NOT LIKE 'v%:%')`, kind).Scan(&ok)
	return ok, wrapErr(err)
}

// RelocateSource records that a source now lives at path (its file was moved), with its root and, when
// not "", its fingerprint as computed now.
func RelocateSource(ctx context.Context, q Querier, id int64, path string, root Root, size, mtime int64, fingerprint string) error {
	if _, err := q.ExecContext(ctx, `UPDATE sources SET path = ?, size = ?, mtime = ? WHERE id = ?`, path, size, mtime, id); err != nil {
		return wrapErr(err)
	}
	return SetSourceRoot(ctx, q, id, root, path, fingerprint)
}

// PutImageFile records the size and content hash of an item's picture file as the import read it.
func PutImageFile(ctx context.Context, q Querier, itemID, size int64, hash string, outside bool) error {
	_, err := q.ExecContext(ctx, `INSERT INTO image_files (item_id, size, hash, outside) VALUES (?, ?, ?, ?)
		ON CONFLICT (item_id) DO UPDATE SET size = excluded.size, hash = excluded.hash, outside = excluded.outside`,
		itemID, size, hash, outside)
	return wrapErr(err)
}

// RepointIfSame moves an item's picture to another source and path when the import recorded the same
// size and content hash for it (the same picture, found elsewhere); it reports whether it moved it.
func RepointIfSame(ctx context.Context, q Querier, itemID, sourceID int64, imagePath string, size int64, hash string) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE items SET source_id = ?, image_path = ? WHERE id = ? AND coalesce(source_id, 0) != ?
		AND EXISTS (SELECT 1 FROM image_files f WHERE f.item_id = items.id AND f.size = ? AND f.hash = ?)`,
		sourceID, imagePath, itemID, sourceID, size, hash)
	if err != nil {
		return false, wrapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
