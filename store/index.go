package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/loupe-dev/loupe/review"
	"github.com/mattn/go-sqlite3"
)

// SourceState is what the workspace knows of one import source (a shard, folder or manifest).
type SourceState struct {
	ID       int64
	Path     string
	Size     int64
	MTime    int64
	Complete bool
	RowsDone int64
}

// Source returns the state of the source at path, or ErrNotFound.
func (s *Store) Source(ctx context.Context, path string) (SourceState, error) {
	const q = `SELECT id, path, size, mtime, complete, rows_done FROM sources WHERE path = ?`
	var st SourceState
	err := s.DB.QueryRowContext(ctx, q, path).Scan(&st.ID, &st.Path, &st.Size, &st.MTime, &st.Complete, &st.RowsDone)
	return st, wrapErr(err)
}

// UpToDate reports whether the source at path was completely imported from a file of this size and mtime.
func (s *Store) UpToDate(ctx context.Context, path string, size, mtime int64) (bool, error) {
	st, err := s.Source(ctx, path)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return st.Complete && st.Size == size && st.MTime == mtime, nil
}

// ShardResult says what indexing one shard changed.
type ShardResult struct {
	Inserted   int      // new items
	Updated    int      // items of this same shard seen before (the file changed), re-pointed
	Duplicates []string // ids already imported from another source, with where from
}

// packRow returns the row's packed fields; readers fill Packed in on their own core (0 may also be a
// genuine all-zero packing, which Pack then returns again).
func packRow(r *review.IndexedRow) int64 {
	if r.Packed != 0 {
		return r.Packed
	}
	return review.Pack(r.Captions, r.Scores)
}

// insertIndexedRow takes the id as ext_key (integer form) or ext_id (text).
const insertIndexedRow = `INSERT INTO items (%s, kind, subset_id, source_id, row, packed)
VALUES (?1, 1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING`

const updateIndexedRow = `UPDATE items SET row = ?, subset_id = ?, packed = ? WHERE source_id = ? AND `

// IndexShard records one Parquet shard's rows in a single transaction: the shard is indexed completely
// or not at all, so an interrupted import resumes at the first shard not marked complete. subsetOf maps
// an id to its subset name.
func (s *Store) IndexShard(ctx context.Context, path string, size, mtime, numRows int64,
	rows []review.IndexedRow, subsetOf func(string) string) (ShardResult, error) {
	var res ShardResult
	// Register the shard's id prefixes first, in their own commits: they are harmless if the shard then
	// fails, and the bulk transaction below only reads them.
	prefixes := map[string]int64{}
	for i := range rows {
		if p, _, _, ok := splitExt(rows[i].ExtID); ok {
			if _, seen := prefixes[p]; !seen {
				id, err := prefixID(ctx, s.DB, p, true)
				if err != nil {
					return res, err
				}
				prefixes[p] = id
			}
		}
	}
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*sqlite3.SQLiteConn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		// The shard's parents (its source and subsets) are created in this same transaction, so the
		// per-row foreign-key lookups only cost time; they are switched off for the bulk insert.
		if _, err := c.Exec("PRAGMA foreign_keys = OFF", nil); err != nil {
			return err
		}
		defer c.Exec("PRAGMA foreign_keys = ON", nil)
		if _, err := c.Exec("BEGIN IMMEDIATE", nil); err != nil {
			return err
		}
		if err := indexShardTx(c, path, size, mtime, numRows, rows, subsetOf, prefixes, &res); err != nil {
			c.Exec("ROLLBACK", nil)
			return err
		}
		_, err := c.Exec("COMMIT", nil)
		return err
	})
	return res, wrapErr(err)
}

func rawQueryInt(c *sqlite3.SQLiteConn, q string, args ...driver.Value) (int64, bool, error) {
	rows, err := c.Query(q, args)
	if err != nil {
		return 0, false, err
	}
	defer rows.Close()
	dest := make([]driver.Value, len(rows.Columns()))
	if err := rows.Next(dest); err != nil {
		return 0, false, nil
	}
	v, _ := dest[0].(int64)
	return v, true, nil
}

// refOf is how a row's id is stored, given the registered prefixes.
func refOf(ext string, prefixes map[string]int64) extRef {
	if p, w, n, ok := splitExt(ext); ok {
		if id := prefixes[p]; id > 0 && id < extMaxPrefix {
			return extRef{key: makeKey(id, w, n)}
		}
	}
	return extRef{text: ext}
}

func indexShardTx(c *sqlite3.SQLiteConn, path string, size, mtime, numRows int64,
	rows []review.IndexedRow, subsetOf func(string) string, prefixes map[string]int64, res *ShardResult) error {
	if _, err := c.Exec(`INSERT INTO sources (kind, path) VALUES ('parquet', ?) ON CONFLICT (path) DO NOTHING`,
		[]driver.Value{path}); err != nil {
		return err
	}
	srcID, _, err := rawQueryInt(c, `SELECT id FROM sources WHERE path = ?`, path)
	if err != nil {
		return err
	}
	subsets := map[string]int64{}
	subsetID := func(name string) (int64, error) {
		if id, ok := subsets[name]; ok {
			return id, nil
		}
		if _, err := c.Exec(`INSERT INTO subsets (name, kind) VALUES (?, 'dataset') ON CONFLICT (name) DO NOTHING`,
			[]driver.Value{name}); err != nil {
			return 0, err
		}
		id, _, err := rawQueryInt(c, `SELECT id FROM subsets WHERE name = ?`, name)
		subsets[name] = id
		return id, err
	}
	// One prepared statement, four binds a row, on the raw connection: database/sql's per-call
	// conversions and allocations would cost as much as SQLite's own insert.
	var insKey, insText *sqlite3.SQLiteStmt
	for _, p := range []struct {
		col string
		dst **sqlite3.SQLiteStmt
	}{{"ext_key", &insKey}, {"ext_id", &insText}} {
		st, err := c.Prepare(fmt.Sprintf(insertIndexedRow, p.col))
		if err != nil {
			return err
		}
		defer st.Close()
		*p.dst = st.(*sqlite3.SQLiteStmt)
	}
	args := make([]driver.NamedValue, 5)
	for i := range args {
		args[i].Ordinal = i + 1
	}
	args[2].Value = srcID
	var conflicts []int
	counts := tally{}
	var lastSubset string
	var lastSubsetID int64
	for i := range rows {
		r := &rows[i]
		if name := subsetOf(r.ExtID); name != lastSubset || lastSubsetID == 0 {
			if lastSubsetID, err = subsetID(name); err != nil {
				return err
			}
			lastSubset = name
		}
		ins := insKey
		if ref := refOf(r.ExtID, prefixes); ref.key != 0 {
			args[0].Value = ref.key
		} else {
			args[0].Value, ins = ref.text, insText
		}
		args[1].Value = lastSubsetID
		args[3].Value = r.Row
		args[4].Value = packRow(r)
		out, err := ins.ExecContext(context.Background(), args)
		if err != nil {
			return fmt.Errorf("row %d (id %q): %w", r.Row, r.ExtID, err)
		}
		if n, _ := out.RowsAffected(); n == 1 {
			res.Inserted++
			counts.add(lastSubsetID, args[4].Value.(int64), 1)
		} else {
			conflicts = append(conflicts, i)
		}
	}
	// Ids already present: the same shard re-indexed after it changed, or duplicates from elsewhere.
	for _, i := range conflicts {
		r := &rows[i]
		sub, packed, ref := subsets[subsetOf(r.ExtID)], packRow(r), refOf(r.ExtID, prefixes)
		old, oldSub, same, err := sameSourceItem(c, ref, srcID)
		if err != nil {
			return err
		}
		if same {
			cond, arg := ref.where("")
			if _, err := c.Exec(updateIndexedRow+cond, []driver.Value{r.Row, sub, packed, srcID, arg}); err != nil {
				return err
			}
			counts.add(oldSub, old, -1)
			counts.add(sub, packed, 1)
			res.Updated++
			continue
		}
		where, err := itemOrigin(c, ref)
		if err != nil {
			return err
		}
		res.Duplicates = append(res.Duplicates, fmt.Sprintf("row %d: duplicate id %q, already imported from %s", r.Row, r.ExtID, where))
	}
	if err := counts.flushRaw(c); err != nil {
		return err
	}
	_, err = c.Exec(`UPDATE sources SET size = ?, mtime = ?, rows_total = ?, rows_done = ?, complete = 1,
		imported_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`,
		[]driver.Value{size, mtime, numRows, numRows, srcID})
	return err
}

// sameSourceItem reports whether the item with this id came from this source, with its packed
// fields and subset as stored.
func sameSourceItem(c *sqlite3.SQLiteConn, ref extRef, srcID int64) (int64, int64, bool, error) {
	cond, arg := ref.where("")
	rows, err := c.Query(`SELECT packed, coalesce(subset_id, 0) FROM items WHERE source_id = ? AND `+cond, []driver.Value{srcID, arg})
	if err != nil {
		return 0, 0, false, err
	}
	defer rows.Close()
	dest := make([]driver.Value, 2)
	if rows.Next(dest) != nil {
		return 0, 0, false, nil
	}
	p, _ := dest[0].(int64)
	sub, _ := dest[1].(int64)
	return p, sub, true, nil
}

func itemOrigin(c *sqlite3.SQLiteConn, ref extRef) (string, error) {
	cond, arg := ref.where("i")
	rows, err := c.Query(`SELECT coalesce(s.path, '?'), coalesce(i.row, -1), coalesce(i.image_path, '')
		FROM items i LEFT JOIN sources s ON s.id = i.source_id WHERE `+cond, []driver.Value{arg})
	if err != nil {
		return "", err
	}
	defer rows.Close()
	dest := make([]driver.Value, 3)
	if err := rows.Next(dest); err != nil {
		return "another source", nil
	}
	if p, _ := dest[2].(string); p != "" {
		return fmt.Sprintf("%s (%s)", dest[0], p), nil
	}
	return fmt.Sprintf("%s row %d", dest[0], dest[1]), nil
}

// scanInt is a small helper for single-integer queries.
func scanInt(ctx context.Context, q Querier, query string, args ...any) (int64, error) {
	var n sql.NullInt64
	err := q.QueryRowContext(ctx, query, args...).Scan(&n)
	return n.Int64, wrapErr(err)
}
