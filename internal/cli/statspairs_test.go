package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/workspace"
)

// pairStatsWorkspace writes a workspace with pair queue "sbs": 30 prompts by models m1 and m2 (m1's
// picture on the left on even pairs), ana preferring m1 on 2 of 3 pairs and calling every 10th a
// tie, a pairwise judge asked both orders that always picks the first picture, and a judge's absolute
// scores preferring m1. With pairs false it has no pair queue.
func pairStatsWorkspace(t *testing.T, pairs bool) string {
	t.Helper()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "w.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !pairs {
		return db
	}
	rid, err := store.EnsureRater(ctx, st.DB, "judge", "vlm-s", "vlm", "v1")
	if err != nil {
		t.Fatal(err)
	}
	var np []store.NewPair
	var verdicts []review.Verdict
	var pvs []store.PairVerdict
	for i := range 30 {
		pid, err := store.EnsurePrompt(ctx, st.DB, "prism", "en", "imagination", i, fmt.Sprintf("prompt %d", i))
		if err != nil {
			t.Fatal(err)
		}
		var ids [2]int64
		for j, m := range []string{"m1", "m2"} {
			id, _, err := store.InsertItem(ctx, st.DB, store.NewItem{ExtID: fmt.Sprintf("%s-%d", m, i), Kind: review.Generation, Scores: review.NoScores})
			if err != nil {
				t.Fatal(err)
			}
			if err := store.EnsureGeneration(ctx, st.DB, id, pid, m); err != nil {
				t.Fatal(err)
			}
			ids[j] = id
			v := float64(7 - 2*j)
			verdicts = append(verdicts, review.Verdict{ItemID: id, Dimension: "prism_alignment", RaterID: rid, Value: &v})
		}
		np = append(np, store.NewPair{A: ids[0], B: ids[1], ALeft: i%2 == 0})
		pvs = append(pvs, store.PairVerdict{First: ids[0], Second: ids[1], Rater: "pj", Model: "vlm", Dimension: "alignment", Pick: "first"},
			store.PairVerdict{First: ids[1], Second: ids[0], Rater: "pj", Model: "vlm", Dimension: "alignment", Pick: "first"})
	}
	if _, err := st.CreatePairQueue(ctx, store.QueueSpec{Name: "sbs", Strategy: "pairs", Seed: 1}, nil, 1, np); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveVerdicts(ctx, verdicts); err != nil {
		t.Fatal(err)
	}
	if err := st.SavePairVerdicts(ctx, pvs); err != nil {
		t.Fatal(err)
	}
	ps, err := workspace.New(st).OpenPairSession(ctx, "sbs", "ana")
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range np {
		m1 := i%3 != 2 // ana prefers m1 on 2 of 3 pairs
		c := review.ChoiceRight
		if m1 == p.ALeft {
			c = review.ChoiceLeft
		}
		if i%10 == 9 {
			c = review.ChoiceTie
		}
		if err := ps.Choose(ctx, i, review.PairDimensionOverall, c); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func TestStatsPairsText(t *testing.T) {
	db := pairStatsWorkspace(t, true)
	code, out, e := run(t, "--db", db, "stats", "--pairs", "--resamples", "100")
	if code != 0 {
		t.Fatalf("stats --pairs: %d %s", code, e)
	}
	for _, want := range []string{
		"queue sbs, dimension overall (pairwise judges on alignment, score-derived judges on prism_alignment)",
		"30 pairs, 30 answered (30 choices by ana); pairwise judge verdicts: 60 read, 0 unreadable",
		"leaderboard: people (pooled)", "leaderboard: pj (pairwise judge)", "leaderboard: scores:vlm-s (score-derived judge",
		"95% CI", "W-L-T", "separable at 95%", "win rates (row model vs column model",
		"judges vs people", "decisive agreement", "leaderboards vs the people's", "kendall tau-b",
		"position bias", "no pair judged in both orders", "n/a [",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "NaN") || strings.Contains(out, "Inf") {
		t.Error("NaN or Inf printed")
	}
	// the judge that always picks the first picture: first share 1.000 on 60, flip rate 1.000 on 30
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 6 && f[0] == "pj" && f[1] == "judge" {
			if f[2] != "60" || f[3] != "1.000" || f[4] != "30" || f[5] != "1.000" {
				t.Errorf("pj's position bias line %q", line)
			}
		}
	}
	// Davidson's ties say their parameter
	if code, out, _ := run(t, "--db", db, "stats", "--pairs", "--resamples", "0", "--ties", "davidson"); code != 0 || !strings.Contains(out, "tie parameter nu") || !strings.Contains(out, "no CIs") {
		t.Errorf("--ties davidson --resamples 0: %d\n%s", code, out)
	}
}

func TestStatsPairsJSON(t *testing.T) {
	db := pairStatsWorkspace(t, true)
	code, out, e := run(t, "--db", db, "--json", "stats", "--pairs", "--queue", "sbs", "--resamples", "50", "--seed", "7")
	if code != 0 {
		t.Fatalf("stats --pairs --json: %d %s", code, e)
	}
	var rep struct {
		Queue  string `json:"queue"`
		Seed   uint64 `json:"seed"`
		Groups []struct {
			Rater       string `json:"rater"`
			Kind        string `json:"kind"`
			Comparisons int    `json:"comparisons"`
		} `json:"groups"`
		Agreement []struct {
			Judge     string `json:"judge"`
			Agreement struct {
				Matched   int
				Agreement struct {
					Value *float64 `json:"value"`
					N     int      `json:"n"`
				}
			} `json:"agreement"`
		} `json:"agreement"`
		Bias []struct {
			NotApplicable string `json:"not_applicable"`
		} `json:"position_bias"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Queue != "sbs" || rep.Seed != 7 || len(rep.Groups) != 3 || rep.Groups[0].Rater != "humans" || rep.Groups[1].Rater != "pj" || rep.Groups[2].Rater != "scores:vlm-s" {
		t.Fatalf("report %+v", rep)
	}
	if rep.Groups[0].Comparisons != 30 || rep.Groups[1].Comparisons != 60 || rep.Groups[2].Comparisons != 30 {
		t.Errorf("comparisons %+v", rep.Groups)
	}
	// the scores prefer m1 everywhere; ana preferred m1 on pairs i%3 != 2 except the ties (i%10 == 9):
	// agreement on 18 of 30 (pairs 0..29 with i%3 != 2 and i%10 != 9: 20 - 2)
	for _, a := range rep.Agreement {
		if a.Judge == "scores:vlm-s" {
			if a.Agreement.Matched != 30 || a.Agreement.Agreement.Value == nil || *a.Agreement.Agreement.Value != 0.6 {
				t.Errorf("score-derived agreement %+v: want 18/30 = 0.6", a.Agreement)
			}
		}
	}
	if len(rep.Bias) != 3 || rep.Bias[2].NotApplicable == "" {
		t.Errorf("position bias %+v: want ana, pj and the score-derived judge marked", rep.Bias)
	}
}

func TestStatsPairsErrors(t *testing.T) {
	empty := pairStatsWorkspace(t, false)
	if code, _, e := run(t, "--db", empty, "stats", "--pairs"); code != ExitError || !strings.Contains(e, "no pair queue in this workspace") {
		t.Errorf("no pair queue: %d %s", code, e)
	}
	db := pairStatsWorkspace(t, true)
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--dimension", "style"}, ExitUsage, "asks about overall"},
		{[]string{"--ties", "thirds"}, ExitUsage, "want half or davidson"},
		{[]string{"--html", "x.html"}, ExitUsage, "--html does not apply to --pairs"},
		{[]string{"--queue", "nope"}, ExitError, "pair queue \"nope\""},
	} {
		args := append([]string{"--db", db, "stats", "--pairs", "--resamples", "0"}, c.args...)
		if code, _, e := run(t, args...); code != c.code || !strings.Contains(e, c.msg) {
			t.Errorf("%v: %d %s, want %d %q", c.args, code, e, c.code, c.msg)
		}
	}
}

func TestStatsPairsHTMLSection(t *testing.T) {
	db := pairStatsWorkspace(t, true)
	page := filepath.Join(t.TempDir(), "out", "report.html")
	if code, _, e := run(t, "--db", db, "stats", "--resamples", "20", "--html", page); code != 0 {
		t.Fatalf("stats --html: %d %s", code, e)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, want := range []string{`<section id="pairs">`, `<a href="#pairs">`, `class="heat"`, `class="pairboard"`, "sbs · overall"} {
		if !strings.Contains(doc, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
