package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// badRowsShard writes a shard of n rows whose first bad rows have score_text 11 (outside 0-10).
func badRowsShard(t *testing.T, path string, n, bad int) {
	t.Helper()
	type row struct {
		ID    string `parquet:"id"`
		Score int64  `parquet:"score_text"`
	}
	os.MkdirAll(filepath.Dir(path), 0o755)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[row](f)
	rows := make([]row, n)
	for i := range rows {
		rows[i] = row{fmt.Sprintf("text-%08d", i), int64(i % 11)}
		if i < bad {
			rows[i].Score = 11
		}
	}
	w.Write(rows)
	w.Close()
	f.Close()
}

// TestImportProblemsAreAllListedAndRemembered: the progress line counts skipped rows; past 1,000
// problems `import --problems` (and --json) lists every one; a re-import of the unchanged shard exits 3
// and names it.
func TestImportProblemsAreAllListedAndRemembered(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	shard := filepath.Join(dir, "shards", "Text", "fluxdb-text-00000-of-00001.parquet")
	badRowsShard(t, shard, 2000, 1200)
	code, out, e := run(t, "--db", db, "import", filepath.Join(dir, "shards"))
	if code != ExitSkipped || !strings.Contains(e, "800 new, 1200 skipped") {
		t.Fatalf("import: %d\n%s\n%s", code, out, e)
	}
	if !strings.Contains(out, "and 1180 more (all of them, kept in the workspace: loupe import --problems)") {
		t.Errorf("report:\n%s", out)
	}
	code, out, e = run(t, "--db", db, "import", "--problems")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || len(lines) != 1200 || !strings.HasPrefix(lines[1199], shard+": row 1199: score_text = 11 is outside 0-10") {
		t.Fatalf("import --problems: %d, %d lines, last %q %s", code, len(lines), lines[len(lines)-1], e)
	}
	code, out, _ = run(t, "--db", db, "import", "--problems", "--json")
	var all []struct{ File, Where, Message string }
	if code != 0 || json.Unmarshal([]byte(out), &all) != nil || len(all) != 1200 || all[0].Where != "row 0" || all[0].File != shard {
		t.Fatalf("import --problems --json: %d, %d problems", code, len(all))
	}
	code, out, _ = run(t, "--db", db, "import", "--json", filepath.Join(dir, "shards"))
	var rep struct {
		SkippedBefore []struct {
			File     string
			Problems int
		} `json:"skipped_before"`
	}
	if code != ExitSkipped || json.Unmarshal([]byte(out), &rep) != nil || len(rep.SkippedBefore) != 1 || rep.SkippedBefore[0].Problems != 1200 {
		t.Fatalf("re-import --json: %d %s", code, out)
	}
	code, out, e = run(t, "--db", db, "import", filepath.Join(dir, "shards"))
	if code != ExitSkipped || !strings.Contains(out, "shard "+shard+": 1200 rows were skipped when it was imported") ||
		!strings.Contains(e, "loupe import --problems") {
		t.Fatalf("re-import: %d\n%s\n%s", code, out, e)
	}
	if n := countRows(t, db, `SELECT count(*) FROM import_issues`); n != 1200 {
		t.Errorf("%d problems stored after the re-import", n)
	}
}
