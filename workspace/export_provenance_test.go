package workspace

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/loupe-dev/loupe/export"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
)

// decide records an annotator's decision on an item.
func decide(t *testing.T, st *store.Store, item int64, who string, accept bool, reason string) {
	t.Helper()
	err := store.InTx(context.Background(), st.DB, func(tx *sql.Tx) error {
		a, err := store.EnsureAnnotator(context.Background(), tx, who)
		if err != nil {
			return err
		}
		v, txt := 0.0, "reject"
		if accept {
			v, txt = 1, "accept"
		}
		_, err = store.AppendEvent(context.Background(), tx, store.NewEvent{ItemID: item, AnnotatorID: a, Dimension: "decision",
			Kind: "set", Value: &v, ValueText: txt, Reason: reason})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// exportedLines exports the workspace as jsonl and returns each line by id, decoded generically (so
// that the test reads what the file says, not what the writer's types hold).
func exportedLines(t *testing.T, st *store.Store, f review.Filter) map[string]map[string]any {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.jsonl")
	if _, err := Export(context.Background(), st, f, "jsonl", export.Options{Out: out}, false, nil); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	lines := map[string]map[string]any{}
	sc := bufio.NewScanner(fh)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		lines[m["id"].(string)] = m
	}
	return lines
}

// TestAdjudicatedDecisionNamesTheAdjudicator: after two annotators disagree and a lead adjudicates,
// the export credits the lead with the decision and keeps both annotators' answers in the history.
// (Issue 13, point 6: decided_by named one of the annotators.)
func TestAdjudicatedDecisionNamesTheAdjudicator(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ids := map[string]int64{}
	err := store.InTx(ctx, st.DB, func(tx *sql.Tx) error {
		sub, err := store.EnsureSubset(ctx, tx, "mine", "manifest")
		if err != nil {
			return err
		}
		for _, ext := range []string{"overruled", "agreed", "majority", "split"} {
			id, _, err := store.InsertItem(ctx, tx, store.NewItem{ExtID: ext, Kind: review.Sample, SubsetID: sub, Scores: review.NoScores})
			if err != nil {
				return err
			}
			ids[ext] = id
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// overruled: ana accepts, ben rejects, the lead rejects; agreed: the same, the lead accepts
	for _, ext := range []string{"overruled", "agreed"} {
		decide(t, st, ids[ext], "ana", true, "")
		decide(t, st, ids[ext], "ben", false, "blurry")
	}
	if _, err := st.Adjudicate(ctx, ids["overruled"], "lead", false, "ben is right"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Adjudicate(ctx, ids["agreed"], "lead", true, ""); err != nil {
		t.Fatal(err)
	}
	decide(t, st, ids["majority"], "ana", true, "")
	decide(t, st, ids["majority"], "ben", true, "")
	decide(t, st, ids["split"], "ana", true, "")
	decide(t, st, ids["split"], "ben", false, "")

	lines := exportedLines(t, st, review.Filter{})
	for ext, want := range map[string]struct {
		decision, by string
		final        map[string]any
	}{
		"overruled": {"rejected", "lead", map[string]any{"annotator": "lead", "decision": "reject", "reason": "ben is right"}},
		"agreed":    {"accepted", "lead", map[string]any{"annotator": "lead", "decision": "accept"}},
		"majority":  {"accepted", "ana,ben", nil},
		"split":     {"disputed", "", nil}, // nobody decided a disputed item
	} {
		l := lines[ext]
		if l == nil {
			t.Fatalf("%s not exported", ext)
		}
		by, _ := l["decided_by"].(string)
		if l["decision"] != want.decision || by != want.by {
			t.Errorf("%s: decision %v by %q, want %s by %q", ext, l["decision"], by, want.decision, want.by)
		}
		h, _ := l["history"].(map[string]any)
		final, _ := h["final"].(map[string]any)
		if final != nil {
			delete(final, "when")
		}
		if want.final != nil && !reflect.DeepEqual(final, want.final) || want.final == nil && final != nil {
			t.Errorf("%s: history final %v, want %v", ext, final, want.final)
		}
		// the annotators' answers stay in the history, whoever decided
		answers, _ := h["answers"].([]any)
		if len(answers) != 2 {
			t.Fatalf("%s: history answers %v, want ana's and ben's", ext, answers)
		}
		a0, a1 := answers[0].(map[string]any), answers[1].(map[string]any)
		if a0["annotator"] != "ana" || a0["decision"] != "accept" || a1["annotator"] != "ben" {
			t.Errorf("%s: answers %v", ext, answers)
		}
		if ext == "overruled" && a1["reason"] != "blurry" {
			t.Errorf("%s: ben's reason is lost: %v", ext, a1)
		}
	}
	// with --annotator, the decision is that annotator's and so is the credit
	lines = exportedLines(t, st, review.Filter{Decision: []string{"rejected"}, Annotator: "ben"})
	if by := lines["overruled"]["decided_by"]; by != "ben" {
		t.Errorf("--annotator ben: decided_by %v", by)
	}
}
