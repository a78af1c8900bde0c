package store

import "context"

// Issue is a problem an import skipped (a row, a line, a file), as kept in import_issues.
type Issue struct {
	ID       int64  `json:"id"`
	Source   string `json:"file"`
	Where    string `json:"where"`
	Message  string `json:"message"`
	Recorded string `json:"recorded_at"`
}

// RecordIssues stores problems an import skipped, every one of them; a problem already stored (same
// source, place and message, met by an earlier import of the same data) is not stored again.
func RecordIssues(ctx context.Context, q Querier, issues []Issue) error {
	for _, is := range issues {
		if _, err := q.ExecContext(ctx, `INSERT INTO import_issues (source, location, message)
			SELECT ?1, ?2, ?3 WHERE NOT EXISTS (
				SELECT 1 FROM import_issues WHERE source = ?1 AND location = ?2 AND message = ?3)`,
			is.Source, is.Where, is.Message); err != nil {
			return wrapErr(err)
		}
	}
	return nil
}

// ForgetIssues removes the stored problems of one source: it was imported again, and the problems of
// its new version replace them.
func ForgetIssues(ctx context.Context, q Querier, source string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM import_issues WHERE source = ?`, source)
	return wrapErr(err)
}

// IssueCount is how many problems are stored for one source.
func (s *Store) IssueCount(ctx context.Context, source string) (int, error) {
	var n int
	err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM import_issues WHERE source = ?`, source).Scan(&n)
	return n, wrapErr(err)
}

// EachIssue calls fn with every stored problem, oldest first, one at a time (never all in memory); an
// error from fn stops it.
func (s *Store) EachIssue(ctx context.Context, fn func(Issue) error) error {
	rows, err := s.DB.QueryContext(ctx, `SELECT id, source, location, message, created_at FROM import_issues ORDER BY id`)
	if err != nil {
		return wrapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var is Issue
		if err := rows.Scan(&is.ID, &is.Source, &is.Where, &is.Message, &is.Recorded); err != nil {
			return wrapErr(err)
		}
		if err := fn(is); err != nil {
			return err
		}
	}
	return wrapErr(rows.Err())
}
