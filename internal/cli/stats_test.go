package cli

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStatsEndToEnd imports outside labels (a judge's scores and two annotators' scores and decisions),
// runs loupe stats --json and checks figures computed by hand; a rerun finds the same snapshot.
func TestStatsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	var lines []string
	add := func(item int, dim, source, ann string, v any) {
		b, _ := json.Marshal(map[string]any{"item": fmt.Sprintf("x-%02d", item), "dimension": dim, "source": source, "annotator": ann, "value": v})
		lines = append(lines, string(b))
	}
	for i := range 30 {
		add(i, "prism_alignment", "vlm-a", "", i%11)
		ana := i % 11
		if i >= 20 {
			ana = (i + 3) % 11 // differs from the judge on the last 10 items
		}
		add(i, "prism_alignment", "human", "ana", ana)
		add(i, "prism_alignment", "human", "ben", i%11)
		dec := "accept"
		if i%11 < 5 {
			dec = "reject"
		}
		add(i, "decision", "human", "ana", dec)
		add(i, "decision", "human", "ben", dec)
	}
	file := filepath.Join(dir, "labels.jsonl")
	os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	if code, out, e := run(t, "--db", db, "import", "labels", "--create-items", file); code != 0 {
		t.Fatalf("import labels: %d %s %s", code, out, e)
	}
	code, out, e := run(t, "--db", db, "--json", "stats", "--resamples", "200", "--save")
	if code != 0 {
		t.Fatalf("stats: %d %s", code, e)
	}
	var res struct {
		Snapshot struct {
			ID       int64 `json:"id"`
			Existing bool  `json:"same_inputs_as_before"`
		} `json:"snapshot"`
		Report struct {
			Rows []struct {
				Kind, A, B, Dimension string
				N                     int
				Stats                 []struct {
					Name  string   `json:"name"`
					Value *float64 `json:"value"`
					N     int      `json:"n"`
					CI    *struct {
						Lo, Hi *float64
					} `json:"ci"`
				}
			} `json:"rows"`
			Thresholds []struct {
				Rater, Dimension string
				Threshold        float64
			} `json:"thresholds"`
		} `json:"report"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	fig := func(kind, a, b, dim, stat string) (float64, int, bool) {
		for _, r := range res.Report.Rows {
			if r.Kind == kind && r.A == a && r.B == b && r.Dimension == dim {
				for _, s := range r.Stats {
					if s.Name == stat && s.Value != nil {
						return *s.Value, s.N, s.CI != nil && s.CI.Lo != nil
					}
				}
			}
		}
		return 0, 0, false
	}
	cases := []struct {
		kind, a, b, dim, stat string
		want                  float64
		ci                    bool
	}{
		{"judge-human", "vlm-a", "human:ana", "prism_alignment", "exact_agreement", 20.0 / 30, true},
		{"judge-human", "vlm-a", "human:ben", "prism_alignment", "exact_agreement", 1, true},
		{"judge-human", "vlm-a", "human:ben", "prism_alignment", "cohen_kappa_quadratic", 1, true},
		{"judge-human", "vlm-a", "human:ben", "prism_alignment", "mean_bias", 0, false},
		// ana's last 10 scores are the judge's +3 mod 11: 8 of them +3, 2 of them -8 -> mean |d| = (8*3+2*8)/30
		{"judge-human", "vlm-a", "human:ana", "prism_alignment", "mae", (8*3 + 2*8) / 30.0, true},
		{"human-human", "human:ana", "human:ben", "decision", "exact_agreement", 1, true},
		{"human-human", "human:ana", "human:ben", "decision", "cohen_kappa", 1, true},
	}
	for _, c := range cases {
		v, n, hasCI := fig(c.kind, c.a, c.b, c.dim, c.stat)
		if n != 30 || math.Abs(v-c.want) > 1e-9 || hasCI != c.ci {
			t.Errorf("%s %s vs %s %s %s = %v (n=%d, CI %v), want %v", c.kind, c.a, c.b, c.dim, c.stat, v, n, hasCI, c.want)
		}
	}
	// the judge's threshold that reproduces the decisions (reject below 5) is 5
	found := false
	for _, th := range res.Report.Thresholds {
		if th.Rater == "vlm-a" && th.Dimension == "prism_alignment" {
			found = th.Threshold == 5
		}
	}
	if !found {
		t.Errorf("thresholds %+v", res.Report.Thresholds)
	}
	if res.Snapshot.ID == 0 || res.Snapshot.Existing {
		t.Errorf("snapshot %+v", res.Snapshot)
	}
	// the same inputs again: recognised, not stored twice
	code, out, _ = run(t, "--db", db, "stats", "--resamples", "200", "--save")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("same inputs as snapshot #%d", res.Snapshot.ID)) {
		t.Errorf("rerun:\n%s", out)
	}
	if n := countRows(t, db, `SELECT count(*) FROM stat_snapshots`); n != 1 {
		t.Errorf("%d snapshots", n)
	}
	if n := countRows(t, db, `SELECT count(*) FROM stat_figures WHERE statistic = 'exact_agreement' AND rater_a = 'vlm-a' AND rater_b = 'human:ana' AND abs(value - 20.0/30) < 1e-9 AND n = 30`); n != 1 {
		t.Errorf("figure not readable with plain SQL (%d rows)", n)
	}
	// other options make another snapshot; CSV, Markdown and HTML outputs
	code, out, _ = run(t, "--db", db, "stats", "--resamples", "0", "--csv")
	if code != 0 || !strings.HasPrefix(out, "kind,a,b,dimension,by,group,rubric_set,statistic,n,value,ci_lo,ci_hi,undefined") ||
		!strings.Contains(out, "judge-human,vlm-a,human:ana,prism_alignment,,,imported,exact_agreement,30,0.6666666666666666,,,") {
		t.Errorf("csv:\n%s", out)
	}
	code, out, _ = run(t, "--db", db, "stats", "--markdown", "--pair", "vlm-a,ana")
	if code != 0 || !strings.Contains(out, "| kind") || strings.Contains(out, "human:ben") {
		t.Errorf("markdown with --pair:\n%s", out)
	}
	html := filepath.Join(dir, "reports", "new", "r.html") // missing folders are created, as for every output
	code, _, e = run(t, "--db", db, "stats", "--html", html)
	b, err := os.ReadFile(html)
	if code != 0 || err != nil || !strings.Contains(string(b), "<svg") || strings.Contains(string(b), "<script src") {
		t.Errorf("html: %d %v %s", code, err, e)
	}
	if code, _, e := run(t, "--db", db, "stats", "--by", "colour"); code != ExitUsage {
		t.Errorf("--by colour: %d %s", code, e)
	}
	if code, _, e := run(t, "--db", db, "stats", "--min-items", "-1"); code != ExitUsage || !strings.Contains(e, "--min-items") {
		t.Errorf("--min-items -1: %d %s", code, e)
	}
	if code, _, e := run(t, "--db", db, "export", "--format", "jsonl", "--out", filepath.Join(dir, "x.jsonl"), "--filter", "score=text=11:12"); code != ExitUsage || !strings.Contains(e, "0 to 10") {
		t.Errorf("a score range outside 0-10: %d %s", code, e)
	}
}

func countRows(t *testing.T, db, q string) int {
	t.Helper()
	d, err := sql.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
