package store

import (
	"context"
	"strings"
	"testing"
)

// TestMigrationKeepsEvents: a workspace made before 0008, with a history (an edit, an undo, a flag), keeps
// every event, its id and its links when 0008 rebuilds the events table, and the history stays
// append-only.
func TestMigrationKeepsEvents(t *testing.T) {
	ctx := context.Background()
	path, db := workspaceAt(t, 7)
	for _, q := range []string{
		`PRAGMA user_version = 7`,
		`INSERT INTO items (id, ext_id, kind) VALUES (1, 'a', 1), (2, 'b', 1)`,
		`INSERT INTO annotators (id, name) VALUES (1, 'ana')`,
		`INSERT INTO queues (id, name, strategy, seed) VALUES (1, 'q', 'random', 1)`,
		`INSERT INTO queue_items (queue_id, pos, item_id) VALUES (1, 0, 1), (1, 1, 2)`,
		`INSERT INTO events (id, item_id, annotator_id, dimension_id, queue_id, kind, value, value_text) VALUES (1, 1, 1, 12, 1, 'set', 1, 'accept')`,
		`INSERT INTO events (id, item_id, annotator_id, dimension_id, queue_id, kind, value, value_text, replaces) VALUES (2, 1, 1, 12, 1, 'set', 0, 'reject', 1)`,
		`INSERT INTO events (id, item_id, annotator_id, dimension_id, queue_id, kind, value, replaces) VALUES (3, 2, 1, 3, 1, 'set', 4, NULL)`,
		`INSERT INTO events (id, item_id, annotator_id, queue_id, kind, replaces) VALUES (4, 2, 1, 1, 'undo', 3)`,
		`INSERT INTO events (id, item_id, annotator_id, queue_id, kind, reason) VALUES (5, 2, 1, 1, 'flag', 'odd')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var n, v int
	st.DB.QueryRow(`SELECT count(*) FROM events`).Scan(&n)
	st.DB.QueryRow(`PRAGMA user_version`).Scan(&v)
	if n != 5 || v != SchemaVersion() {
		t.Fatalf("%d events at version %d", n, v)
	}
	var val float64
	var ev int64
	if err := st.DB.QueryRow(`SELECT value, event_id FROM human_current WHERE item_id = 1`).Scan(&val, &ev); err != nil || val != 0 || ev != 2 {
		t.Fatalf("decision in force %v (event %d): %v", val, ev, err)
	}
	if err := st.DB.QueryRow(`SELECT count(*) FROM human_current WHERE item_id = 2`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("undone score in force: %d %v", n, err)
	}
	if err := st.DB.QueryRow(`SELECT count(*) FROM flag_current WHERE item_id = 2 AND reason = 'odd'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("flag in force: %d %v", n, err)
	}
	if _, err := st.DB.Exec(`UPDATE events SET value = 1 WHERE id = 2`); err == nil {
		t.Fatal("events can be updated after the migration")
	}
	if _, err := st.DB.Exec(`DELETE FROM events WHERE id = 5`); err == nil {
		t.Fatal("events can be deleted after the migration")
	}
	rows, err := st.DB.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if rows.Next() {
		t.Fatal("foreign key violations after the migration")
	}
	// 0008 runs again on a workspace that has it (a schema version set back, as an interrupted upgrade
	// might leave it): nothing lost, settings kept.
	if err := st.SetQueueBlind(ctx, "q", true); err != nil {
		t.Fatal(err)
	}
	st.DB.Exec(`PRAGMA user_version = 7`)
	st.Close()
	if st, err = Open(ctx, path); err != nil {
		t.Fatalf("0008 again: %v", err)
	}
	defer st.Close()
	st.DB.QueryRow(`SELECT count(*) FROM events`).Scan(&n)
	if qs, err := st.QueueSettings(ctx, "q"); err != nil || !qs.Blind || n != 5 {
		t.Fatalf("after 0008 again: %d events, settings %+v %v", n, qs, err)
	}
	var sqlText string
	st.DB.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'events'`).Scan(&sqlText)
	if !strings.Contains(sqlText, `REFERENCES "events"(id)`) && !strings.Contains(sqlText, "REFERENCES events(id)") {
		t.Fatalf("events table refers elsewhere: %s", sqlText)
	}
}
