package store

import (
	"context"
	"database/sql"
	"fmt"
)

// StoredRubric is one rubric of a stored set.
type StoredRubric struct {
	Kind     string `json:"kind"`
	Track    string `json:"track,omitempty"`
	Template string `json:"-"`
	Hash     string `json:"hash"`
}

// RubricSetInfo describes a stored rubric set.
type RubricSetInfo struct {
	Name    string         `json:"name"`
	Source  string         `json:"source"`
	Created string         `json:"created_at"`
	Rubrics []StoredRubric `json:"rubrics"`
}

// SaveRubricSet stores a rubric set under its name. A set of the same name with the same texts is left as
// it is; with different texts it is an error (a name always means the same rubrics).
func (s *Store) SaveRubricSet(ctx context.Context, name, source string, rubrics []StoredRubric) (bool, error) {
	existing, err := s.RubricSet(ctx, name)
	if err == nil {
		same := len(existing.Rubrics) == len(rubrics)
		byKey := map[string]string{}
		for _, r := range existing.Rubrics {
			byKey[r.Kind+"/"+r.Track] = r.Hash
		}
		for _, r := range rubrics {
			if byKey[r.Kind+"/"+r.Track] != r.Hash {
				same = false
			}
		}
		if !same {
			return false, fmt.Errorf("rubric set %q exists with other texts: import under another --name", name)
		}
		return false, nil
	}
	err = InTx(ctx, s.DB, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO rubric_sets (name, source) VALUES (?, ?)`, name, source)
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		for _, r := range rubrics {
			if _, err := tx.ExecContext(ctx, `INSERT INTO rubrics (set_id, kind, track, template, hash) VALUES (?, ?, ?, ?, ?)`,
				id, r.Kind, r.Track, r.Template, r.Hash); err != nil {
				return err
			}
		}
		return nil
	})
	return err == nil, err
}

// RubricSet loads a stored set, or ErrNotFound.
func (s *Store) RubricSet(ctx context.Context, name string) (*RubricSetInfo, error) {
	info := &RubricSetInfo{Name: name}
	var id int64
	err := s.DB.QueryRowContext(ctx, `SELECT id, source, created_at FROM rubric_sets WHERE name = ?`, name).Scan(&id, &info.Source, &info.Created)
	if err != nil {
		return nil, wrapErr(err)
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT kind, track, template, hash FROM rubrics WHERE set_id = ? ORDER BY kind, track`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r StoredRubric
		if err := rows.Scan(&r.Kind, &r.Track, &r.Template, &r.Hash); err != nil {
			return nil, err
		}
		info.Rubrics = append(info.Rubrics, r)
	}
	return info, rows.Err()
}

// RubricSets lists the stored sets' names in the order they were stored.
func (s *Store) RubricSets(ctx context.Context) ([]string, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT name FROM rubric_sets ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
