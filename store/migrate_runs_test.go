package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestMigrationKeepsRuns: a workspace made before 0010, whose verdicts and pending batch requests point
// to its runs, opens (0010 rebuilds the runs table) with every run, its counts and the links kept. The
// rebuild failed such workspaces with "FOREIGN KEY constraint failed".
func TestMigrationKeepsRuns(t *testing.T) {
	ctx := context.Background()
	path, db := workspaceAt(t, 9)
	for _, q := range []string{
		`PRAGMA user_version = 9`,
		`INSERT INTO items (id, ext_id, kind) VALUES (1, 'a', 1)`,
		`INSERT INTO raters (id, kind, name) VALUES (100, 'judge', 'm / loupe-v1@1')`,
		`INSERT INTO runs (id, kind, backend, model, status, verdicts) VALUES (1, 'judge', 'b', 'm', 'done', 1), (2, 'judge', 'b', 'm', 'running', 0)`,
		`INSERT INTO labels (item_id, dimension_id, rater_id, sample, value, run_id) VALUES (1, 10, 100, 0, 7, 1), (1, 11, 100, 0, 6, 2)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrading a workspace with runs: %v", err)
	}
	defer st.Close()
	var n, linked int
	st.DB.QueryRow(`SELECT count(*) FROM runs`).Scan(&n)
	st.DB.QueryRow(`SELECT count(*) FROM labels l JOIN runs r ON r.id = l.run_id`).Scan(&linked)
	if n != 2 || linked != 2 {
		t.Errorf("%d runs, %d labels linked to them after the upgrade", n, linked)
	}
	rows, err := st.DB.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if rows.Next() {
		t.Error("foreign key violations after the upgrade")
	}
	// the new columns are there: a run started now records its process
	if _, err := st.StartRun(ctx, "judge", "b", "m", "", ""); err != nil {
		t.Fatal(err)
	}
}

// workspaceAt makes a workspace as a loupe of schema version v left it (migrations up to v applied) and
// returns its path and an open connection (foreign keys on) for the test to fill in.
func workspaceAt(t *testing.T, v int) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open(driverName, "file:"+path+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version > v {
			break
		}
		if _, err := db.Exec(m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	return path, db
}
