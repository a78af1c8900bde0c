package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/workspace"
)

// importLabelLines writes rows as a labels file and imports it (creating the items it names).
func importLabelLines(t *testing.T, db string, rows []map[string]any) {
	t.Helper()
	var lines []string
	for _, r := range rows {
		b, _ := json.Marshal(r)
		lines = append(lines, string(b))
	}
	file := filepath.Join(t.TempDir(), "labels.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, e := run(t, "--db", db, "import", "labels", "--create-items", file); code != 0 {
		t.Fatalf("import labels: %d %s %s", code, out, e)
	}
}

// progressWorkspace builds a small team workspace, at now:
//
//	items p-0..p-5 in queue q (overlap 2, blind on); judge decisions A A R R on p-0..p-3 and judge
//	prism_alignment 5, 8 on p-0, p-1;
//	ana decides A R R R A A on p-0..p-5 and scores prism_alignment 6, 5 on p-0, p-1;
//	bo decides A A A R on p-0..p-3 and scores 4 on p-0;
//	dan decides z-0..z-3 (in no queue) at now-26h, now-30m, now-20m, now-10m;
//	cy decides nothing and holds a lease on q (on p-4 or p-5, the only items short of 2 decisions).
//
// It returns the workspace and dan's decision times.
func progressWorkspace(t *testing.T) (string, []time.Time) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "w.db")
	var rows []map[string]any
	add := func(item, dim, source, ann string, v any) {
		r := map[string]any{"item": item, "dimension": dim, "source": source, "value": v}
		if ann != "" {
			r["annotator"] = ann
		}
		rows = append(rows, r)
	}
	for i, d := range []string{"accept", "accept", "reject", "reject"} {
		add(fmt.Sprintf("p-%d", i), "decision", "judge:gpt-4.1", "", d)
	}
	add("p-0", "prism_alignment", "judge:gpt-4.1", "", 5)
	add("p-1", "prism_alignment", "judge:gpt-4.1", "", 8)
	for i, d := range []string{"accept", "reject", "reject", "reject", "accept", "accept"} {
		add(fmt.Sprintf("p-%d", i), "decision", "human", "ana", d)
	}
	add("p-0", "prism_alignment", "human", "ana", 6)
	add("p-1", "prism_alignment", "human", "ana", 5)
	for i, d := range []string{"accept", "accept", "accept", "reject"} {
		add(fmt.Sprintf("p-%d", i), "decision", "human", "bo", d)
	}
	add("p-0", "prism_alignment", "human", "bo", 4)
	importLabelLines(t, db, rows)
	if code, out, e := run(t, "--db", db, "sample", "--name", "q", "--n", "6", "--seed", "1"); code != 0 {
		t.Fatalf("sample: %d %s %s", code, out, e)
	}
	if code, out, e := run(t, "--db", db, "queue", "blind", "q", "on"); code != 0 {
		t.Fatalf("queue blind: %d %s %s", code, out, e)
	}
	// dan's decisions, outside the queue, at known times
	now := time.Now().UTC().Truncate(time.Second)
	danAt := []time.Time{now.Add(-26 * time.Hour), now.Add(-30 * time.Minute), now.Add(-20 * time.Minute), now.Add(-10 * time.Minute)}
	rows = nil
	for i, at := range danAt {
		rows = append(rows, map[string]any{"item": fmt.Sprintf("z-%d", i), "dimension": "decision", "source": "human",
			"annotator": "dan", "value": "accept", "time": at.Format(time.RFC3339)})
	}
	importLabelLines(t, db, rows)

	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetOverlap(ctx, "q", 2); err != nil {
		t.Fatal(err)
	}
	ses, err := st.OpenSession(ctx, "q", "cy")
	if err != nil {
		t.Fatal(err)
	}
	if len(ses.Items) != 6 {
		t.Fatalf("queue q has %d items, want 6", len(ses.Items))
	}
	if pos, err := ses.Lease(ctx, 10*time.Minute); err != nil || pos < 0 {
		t.Fatalf("lease: %d %v", pos, err)
	}
	return db, danAt
}

func progressRun(t *testing.T, db string, args ...string) workspace.Progress {
	t.Helper()
	code, out, e := run(t, append([]string{"--db", db, "--json", "progress"}, args...)...)
	if code != 0 {
		t.Fatalf("progress %v: exit %d %s", args, code, e)
	}
	var p workspace.Progress
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return p
}

func agreeIs(t *testing.T, what string, a workspace.Agreement, agree, n int) {
	t.Helper()
	if a.Agree != agree || a.N != n || (n == 0) != (a.Rate == nil) || (a.Rate != nil && *a.Rate != float64(agree)/float64(n)) {
		t.Errorf("%s: %d/%d rate %v, want %d/%d", what, a.Agree, a.N, a.Rate, agree, n)
	}
}

// TestProgressFigures checks every figure of loupe progress on the workspace above, derived by hand.
func TestProgressFigures(t *testing.T) {
	db, danAt := progressWorkspace(t)
	p := progressRun(t, db)
	today := p.Now.Format(time.DateOnly)
	if p.Day != today || time.Since(p.Now) > time.Minute {
		t.Errorf("day %q now %v", p.Day, p.Now)
	}
	names := []string{}
	by := map[string]workspace.AnnotatorProgress{}
	for _, a := range p.Annotators {
		names = append(names, a.Name)
		by[a.Name] = a
	}
	if strings.Join(names, ",") != "ana,bo,cy,dan" {
		t.Fatalf("annotators %v", names)
	}
	ana, bo, cy, dan := by["ana"], by["bo"], by["cy"], by["dan"]
	// decided: ana 6, bo 4 (all given seconds ago: today, unless the day turned since), dan 4 (3 today at most)
	sameDay := func(at time.Time) bool { return at.UTC().Format(time.DateOnly) == today }
	danToday := 0
	for _, at := range danAt {
		if sameDay(at) {
			danToday++
		}
	}
	if ana.Decided != 6 || bo.Decided != 4 || cy.Decided != 0 || dan.Decided != 4 {
		t.Errorf("decided ana %d bo %d cy %d dan %d, want 6 4 0 4", ana.Decided, bo.Decided, cy.Decided, dan.Decided)
	}
	if ana.LastDecision != nil && sameDay(*ana.LastDecision) && (ana.DecidedToday != 6 || bo.DecidedToday != 4) {
		t.Errorf("decided today ana %d bo %d, want 6 4", ana.DecidedToday, bo.DecidedToday)
	}
	if dan.DecidedToday != danToday || danToday > 3 {
		t.Errorf("dan decided %d today, want %d", dan.DecidedToday, danToday)
	}
	// pace: dan's last hour holds 3 decisions 10 minutes apart: 2 pauses of 10 minutes, each counted as 5:
	// 3 decisions in 10 minutes = 18 an hour; ana and bo decided within a second: their active time is
	// the one-minute floor, 6 and 4 decisions a minute
	if dan.PacePerHour != 18 || ana.PacePerHour != 360 || bo.PacePerHour != 240 || cy.PacePerHour != 0 {
		t.Errorf("pace dan %v ana %v bo %v cy %v, want 18 360 240 0", dan.PacePerHour, ana.PacePerHour, bo.PacePerHour, cy.PacePerHour)
	}
	if dan.LastDecision == nil || !dan.LastDecision.Equal(danAt[3]) || cy.LastDecision != nil {
		t.Errorf("last decision dan %v cy %v", dan.LastDecision, cy.LastDecision)
	}
	// judge: ana A R R R vs A A R R: 3 of 4; bo A A A R: 3 of 4; scores ana 6~5 yes, 5~8 no; bo 4~5 yes
	agreeIs(t, "ana judge decisions", ana.JudgeDecisions, 3, 4)
	agreeIs(t, "bo judge decisions", bo.JudgeDecisions, 3, 4)
	agreeIs(t, "ana judge scores", ana.JudgeScores, 1, 2)
	agreeIs(t, "bo judge scores", bo.JudgeScores, 1, 1)
	agreeIs(t, "dan judge decisions", dan.JudgeDecisions, 0, 0)
	// each other: ana and bo share p-0..p-3: A/A, R/A, R/A, R/R: 2 of 4; scores on p-0: 6 vs 4, no
	agreeIs(t, "ana others", ana.Others, 2, 4)
	agreeIs(t, "bo others", bo.Others, 2, 4)
	agreeIs(t, "dan others", dan.Others, 0, 0)
	if len(p.Pairs) != 1 || p.Pairs[0].A != "ana" || p.Pairs[0].B != "bo" {
		t.Fatalf("pairs %+v", p.Pairs)
	}
	agreeIs(t, "pair decisions", p.Pairs[0].Decisions, 2, 4)
	agreeIs(t, "pair scores", p.Pairs[0].Scores, 0, 1)
	// queue: 6 items, overlap 2: p-0..p-3 done, p-4 and p-5 have one decision each; 10 decisions
	if len(p.Queues) != 1 {
		t.Fatalf("queues %+v", p.Queues)
	}
	q := p.Queues[0]
	if q != (store.ProgressQueue{Name: "q", Overlap: 2, Blind: true, Items: 6, Done: 4, Left: 2, Started: 2, Decisions: 10}) {
		t.Errorf("queue %+v", q)
	}
	// leases: cy holds one item short of its decisions, for about 10 minutes
	if len(p.Leases) != 1 || cy.Leases != 1 || ana.Leases != 0 {
		t.Fatalf("leases %+v (cy %d)", p.Leases, cy.Leases)
	}
	l := p.Leases[0]
	if l.Annotator != "cy" || l.Queue != "q" || (l.Item != "p-4" && l.Item != "p-5") || l.ExpiresAt <= p.Now.Unix() || l.ExpiresAt > p.Now.Unix()+600 {
		t.Errorf("lease %+v", l)
	}

	// --queue q: dan's decisions are outside it
	pq := progressRun(t, db, "--queue", "q")
	names = names[:0]
	for _, a := range pq.Annotators {
		names = append(names, a.Name)
	}
	if pq.Queue != "q" || strings.Join(names, ",") != "ana,bo,cy" || len(pq.Queues) != 1 || len(pq.Leases) != 1 || len(pq.Pairs) != 1 {
		t.Errorf("--queue q: %+v", pq)
	}
	// JSON: slices never null, even on an empty workspace
	empty := filepath.Join(t.TempDir(), "e.db")
	importLabelLines(t, empty, []map[string]any{{"item": "e-0", "dimension": "prism_alignment", "source": "judge:x", "value": 3}})
	code, out, e := run(t, "--db", empty, "--json", "progress")
	if code != 0 || strings.Contains(out, "null,") || !strings.Contains(out, `"annotators": []`) || !strings.Contains(out, `"leases": []`) ||
		!strings.Contains(out, `"queues": []`) || !strings.Contains(out, `"pairs": []`) {
		t.Errorf("empty workspace: %d %s %s", code, out, e)
	}
	// an unknown queue is an error naming it
	if code, _, e := run(t, "--db", db, "progress", "--queue", "nope"); code == 0 || !strings.Contains(e, `"nope"`) {
		t.Errorf("--queue nope: exit %d %s", code, e)
	}
	// text: the tables
	code, out, e = run(t, "--db", db, "progress")
	t.Logf("loupe progress:\n%s", out)
	for _, want := range []string{"UTC day " + today, "ANNOTATOR", "ana", "3/4 75%", "ana / bo", "2/4 50%",
		"QUEUE", "LEASE HOLDER", "cy", l.Item} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("text output lacks %q: exit %d\n%s%s", want, code, out, e)
		}
	}
	if !strings.Contains(out, "q      6      4     2     2            10         2        on") {
		t.Errorf("queue row:\n%s", out)
	}
}

// TestProgressNeverWritesTheWorkspace: loupe progress changes no byte of the workspace (nor of its
// WAL), works on a read-only one, and prints names safely.
func TestProgressNeverWritesTheWorkspace(t *testing.T) {
	db, _ := progressWorkspace(t)
	importLabelLines(t, db, []map[string]any{{"item": "z-9", "dimension": "decision", "source": "human", "annotator": hostile, "value": "reject"}})
	files := func() map[string][]byte {
		m := map[string][]byte{}
		for _, s := range []string{"", "-wal", "-shm"} {
			if b, err := os.ReadFile(db + s); err == nil {
				m[s] = b
			}
		}
		return m
	}
	before := files()
	for _, args := range [][]string{{"progress"}, {"progress", "--json"}, {"progress", "--queue", "q"}, {"progress", "--queue", "q", "--json"}} {
		code, out, e := run(t, append([]string{"--db", db}, args...)...)
		if code != 0 {
			t.Errorf("%v: exit %d %s", args, code, e)
		}
		if len(args) == 1 {
			checkTerminalSafe(t, "progress", out, false)
		}
	}
	after := files()
	if !bytes.Equal(before[""], after[""]) {
		t.Error("loupe progress changed the workspace file")
	}
	// a reader of a WAL workspace may leave SQLite's -shm index and an empty -wal: no frame written
	if w, ok := after["-wal"]; ok && !bytes.Equal(w, before["-wal"]) && len(w) != 0 {
		t.Errorf("loupe progress wrote %d bytes to the WAL (%d before)", len(w), len(before["-wal"]))
	}
	for k := range after {
		t.Logf("w.db%s: %d bytes (before: %d)", k, len(after[k]), len(before[k]))
	}
	// a read-only workspace file and folder: still reported
	os.Chmod(db, 0o444)
	os.Chmod(filepath.Dir(db), 0o555)
	defer os.Chmod(filepath.Dir(db), 0o755)
	if code, _, e := run(t, "--db", db, "progress"); code != 0 {
		t.Errorf("progress on a read-only workspace: exit %d %s", code, e)
	}
}
