package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func officialScript(variant string) string {
	var b strings.Builder
	b.WriteString("import json\n\n")
	for i := 1; i <= 8; i++ {
		fmt.Fprintf(&b, "messages_%d = \"\"\"Rubric %d%s: start at 10… {{\"justification\": \"\", \"score\": }}\ntext prompt: {text_prompt}\"\"\"\n", i, i, variant)
	}
	return b.String()
}

func TestRubricsImportAndList(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	if code, _, e := run(t, "demo", "gen", "--out", filepath.Join(dir, "s"), "--shards", "1", "--rows", "3", "--image-size", "32", "--row-groups", "1"); code != 0 {
		t.Fatal(e)
	}
	if code, _, e := run(t, "--db", db, "import", filepath.Join(dir, "s"), "-q"); code != 0 {
		t.Fatal(e)
	}
	script := filepath.Join(dir, "eval_gpt41.py")
	os.WriteFile(script, []byte(officialScript("")), 0o644)
	code, out, e := run(t, "--db", db, "rubrics", "import", script)
	if code != 0 || !strings.Contains(out, "rubric set official-eval_gpt41.py: 8 rubrics, stored") {
		t.Fatalf("import: %d %s %s", code, out, e)
	}
	if code, out, _ = run(t, "--db", db, "rubrics", "import", script); code != 0 || !strings.Contains(out, "already stored, unchanged") {
		t.Fatalf("re-import: %d %s", code, out)
	}
	os.WriteFile(script, []byte(officialScript(" edited")), 0o644)
	if code, _, e = run(t, "--db", db, "rubrics", "import", script); code != 1 || !strings.Contains(e, "exists with other texts") {
		t.Fatalf("changed texts under the same name: %d %s", code, e)
	}
	if code, out, _ = run(t, "--db", db, "rubrics", "import", script, "--name", "official-edited"); code != 0 {
		t.Fatalf("import under a new name: %s", out)
	}
	code, out, _ = run(t, "--db", db, "rubrics", "list", "--json")
	if code != 0 || !strings.Contains(out, `"name": "loupe-v1"`) || !strings.Contains(out, `"name": "official-edited"`) || strings.Count(out, `"hash"`) != 24 {
		t.Fatalf("list: %s", out)
	}
	os.WriteFile(script, []byte("print('not the official file')\n"), 0o644)
	if code, _, e = run(t, "--db", db, "rubrics", "import", script); code != 1 || !strings.Contains(e, "messages_1 not found") {
		t.Fatalf("wrong file: %d %s", code, e)
	}
}
