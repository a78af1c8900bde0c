package workspace_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/loupe-dev/loupe/export"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/workspace"
)

func TestExportPairsAgreedAndReread(t *testing.T) {
	ctx := context.Background()
	st := generations(t, 5, "a", "b")
	w := workspace.New(st)
	if _, err := w.SamplePairs(ctx, workspace.PairSampleRequest{Name: "p", Models: []string{"a", "b"}, Tracks: []string{"t"}, Seed: 9, Overlap: 2}); err != nil {
		t.Fatal(err)
	}
	ana, _ := w.OpenPairSession(ctx, "p", "ana")
	ben, _ := w.OpenPairSession(ctx, "p", "ben")
	pairs := make([]review.Pair, 5)
	for i := range pairs {
		pairs[i], _ = ana.Pair(ctx, i)
	}
	// the model on the left of pair i
	leftIs := func(i int, model string) review.Choice {
		if pairs[i].Left().Model == model {
			return review.ChoiceLeft
		}
		return review.ChoiceRight
	}
	// pair 0: both prefer a; pair 1: both prefer b; pair 2: they split; pair 3: a tie; pair 4: ana alone
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(ana.Choose(ctx, 0, "overall", leftIs(0, "a")))
	must(ben.Choose(ctx, 0, "overall", leftIs(0, "a")))
	must(ana.Choose(ctx, 1, "overall", leftIs(1, "b")))
	must(ben.Choose(ctx, 1, "overall", leftIs(1, "b")))
	must(ana.Choose(ctx, 2, "overall", leftIs(2, "a")))
	must(ben.Choose(ctx, 2, "overall", leftIs(2, "b")))
	must(ana.Choose(ctx, 3, "overall", review.ChoiceTie))
	must(ben.Choose(ctx, 3, "overall", leftIs(3, "a")))
	must(ana.Choose(ctx, 4, "overall", leftIs(4, "b")))
	out := filepath.Join(t.TempDir(), "prefs.jsonl")
	sum, err := w.ExportPairs(ctx, workspace.ExportPairsRequest{Queue: "p", MinRaters: 2, Options: export.Options{Out: out}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Written != 2 || sum.Disagreed != 1 || sum.Ties != 1 || sum.TooFew != 1 {
		t.Fatalf("summary %+v", sum)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines, err := export.ReadPairs(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, l := range lines {
		want := []string{"a", "b"}[i]
		p := pairs[i]
		if l.ChosenModel != want || l.Prompt != p.Prompt || l.Pair != i+1 || len(l.Choices) != 2 || l.Dimension != "overall" {
			t.Fatalf("line %d: %+v", i, l)
		}
		// chosen is the preferred model's picture, rejected the other; the sides are recorded
		winner, loser := p.A, p.B
		if p.B.Model == want {
			winner, loser = p.B, p.A
		}
		if l.Chosen != winner.ExtID || l.Rejected != loser.ExtID || l.ShownLeft != p.Left().ExtID || l.Choices[0].Chose != winner.ExtID {
			t.Fatalf("line %d: %+v for pair %+v", i, l, p)
		}
	}
	// an existing file is refused without Force; with MinRaters 1 ana's lone answer counts too
	if _, err := w.ExportPairs(ctx, workspace.ExportPairsRequest{Queue: "p", Options: export.Options{Out: out}}); err == nil {
		t.Fatal("an existing pairs file was replaced without Force")
	}
	sum, err = w.ExportPairs(ctx, workspace.ExportPairsRequest{Queue: "p", Options: export.Options{Out: out, Force: true}})
	if err != nil || sum.Written != 3 {
		t.Fatalf("min raters 1: %+v, %v", sum, err)
	}
	if _, err := w.ExportPairs(ctx, workspace.ExportPairsRequest{Queue: "p", Dimension: "aesthetics", Options: export.Options{Out: out, Force: true}}); err == nil {
		t.Fatal("a dimension the queue does not ask about was exported")
	}
}
