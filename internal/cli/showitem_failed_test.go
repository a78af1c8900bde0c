package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// #17.7: show-item says why a verdict failed, not a bare "(failed)"; an extracted verdict says so.
func TestShowItemSaysWhyAVerdictFailed(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	prism := filepath.Join(dir, "prism")
	if code, _, e := run(t, "demo", "gen", "--prism", "--out", prism, "--images", "1", "--prompts", "2", "--image-size", "32"); code != 0 {
		t.Fatalf("demo gen: %d %s", code, e)
	}
	if code, _, e := run(t, "--db", db, "import", prism, "--judge", "synthetic"); code != 0 {
		t.Fatalf("import: %d %s", code, e)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := st.DB.QueryRow(`SELECT item_id FROM generations ORDER BY item_id LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	ref := fmt.Sprint(id)
	rater, err := store.EnsureRater(ctx, st.DB, "judge", "judge:m", "m", "h")
	if err != nil {
		t.Fatal(err)
	}
	v := 6.0
	if err := st.SaveVerdicts(ctx, []review.Verdict{
		{ItemID: id, Dimension: "prism_alignment", RaterID: rater, Error: "not a JSON object: invalid character 'I' (at byte 1)", Raw: "I think 8"},
		{ItemID: id, Dimension: "prism_aesthetics", RaterID: rater, Value: &v, Justification: "fine", Parse: "extract", Raw: "Sure! {...}"},
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	code, out, e := run(t, "--db", db, "show-item", ref)
	if code != 0 || !strings.Contains(out, "failed: not a JSON object") || !strings.Contains(out, "(extracted from prose)") {
		t.Fatalf("show-item: %d\n%s\n%s", code, out, e)
	}
	code, out, _ = run(t, "--db", db, "show-item", ref, "--json")
	if code != 0 || !strings.Contains(out, `"error": "not a JSON object`) || !strings.Contains(out, `"parse": "extract"`) {
		t.Fatalf("show-item --json: %d\n%s", code, out)
	}
}
