package cli

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// e2ePairWorkspace builds the loupe binary and a workspace with a PRISM-Bench folder of two models
// (aurora-xl, pixelsmith-2; 2 images per track) and the blind pair queue "P" over them.
func e2ePairWorkspace(t *testing.T) (bin, db string) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	dir := t.TempDir()
	bin = filepath.Join(dir, "loupe")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	db = filepath.Join(dir, "w.db")
	prism := filepath.Join(dir, "prism")
	for _, args := range [][]string{
		{"demo", "gen", "--prism", "--out", prism, "--images", "2", "--prompts", "4", "--image-size", "64"},
		{"--db", db, "import", prism, "--judge", "synthetic"},
		{"--db", db, "sample", "--pairs", "--name", "P", "--models", "aurora-xl,pixelsmith-2", "--seed", "1"},
	} {
		if code, _, e := run(t, args...); code != 0 {
			t.Fatalf("%v: %s", args, e)
		}
	}
	return bin, db
}

// TestCompareInTmux drives the comparison screen of the real binary in tmux: blind until answered, the
// reveal after an answer, three answers and an undo, quit; then reads the stored answers.
func TestCompareInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives tmux")
	}
	bin, db := e2ePairWorkspace(t)
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	pq, err := st.PairQueueInfo(ctx, "P")
	if err != nil {
		t.Fatal(err)
	}
	var pairs []review.Pair
	for pos := range 3 {
		p, err := st.Pair(ctx, pq, pos)
		if err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, p)
	}
	st.Close()

	s := startTmux(t, "loupe-e2e-cmp", bin, "--db", db, "review", "--queue", "P", "--annotator", "ana", "--protocol", "blocks")
	s.waitFor("ana")
	pane := s.waitFor("pair 1 of ")
	words := strings.Fields(pairs[0].Prompt)
	if len(words) > 3 {
		words = words[:3]
	}
	for _, want := range []string{strings.Join(words, " "), "left", "right", "blind"} {
		if !strings.Contains(pane, want) {
			t.Fatalf("the screen lacks %q:\n%s", want, pane)
		}
	}
	if strings.Contains(pane, "aurora-xl") || strings.Contains(pane, "pixelsmith-2") {
		t.Fatalf("a model name shows before the answer:\n%s", pane)
	}

	s.keys("Left") // pair 1: left better
	pane = s.waitFor("pair 2 of ")
	reveal := "previous pair 1: left " + pairs[0].Left().Model + ", right " + pairs[0].Right().Model
	if !strings.Contains(pane, reveal) {
		s.waitFor(reveal)
	}
	s.keys("2") // pair 2: right better
	s.waitFor("pair 3 of ")
	s.keys("=") // pair 3: tie
	s.waitFor("pair 4 of ")
	s.keys("u") // nothing on pair 4 yet: back to pair 3, its tie withdrawn
	s.waitFor("undone on pair 3: overall tie -> none")
	s.keys("q")
	time.Sleep(500 * time.Millisecond)

	st, err = store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	answers, err := st.PairAnswers(ctx, pq, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]review.Choice{0: review.ChoiceLeft, 1: review.ChoiceRight}
	var got []store.PairAnswer
	for _, a := range answers {
		if a.Annotator == "ana" {
			got = append(got, a)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("stored answers %+v, want pairs 0 left and 1 right", got)
	}
	for _, a := range got {
		if a.Dimension != review.PairDimensionOverall || want[a.Pos] != a.Choice || a.LeftItem != pairs[a.Pos].Left().Item {
			t.Errorf("stored %+v; want %s with item %d on the left", a, want[a.Pos], pairs[a.Pos].Left().Item)
		}
	}
}

// TestComparePairFlags: flags that mean nothing on a pair queue are refused, naming them.
func TestComparePairFlags(t *testing.T) {
	for _, tc := range []struct {
		o    reviewOptions
		want string
	}{
		{reviewOptions{adjudicate: true}, "--adjudicate"},
		{reviewOptions{filterExpr: "track=imagination"}, "filters"},
		{reviewOptions{overlap: 2}, "--overlap"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			o := tc.o
			if err := o.check(); err != nil {
				t.Fatal(err)
			}
			err := o.checkPairFlags("P")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "pair queue") {
				t.Fatalf("got %v, want an error naming %s", err, tc.want)
			}
		})
	}
	if err := (&reviewOptions{annotator: "ana", protocol: "blocks", noColor: true}).checkPairFlags("P"); err != nil {
		t.Fatal(err)
	}
}
