package pipeline

import (
	"context"
	"strings"
	"testing"
)

// fakeItem is an in-memory Item.
type fakeItem struct {
	texts  map[string]string // kind/lang -> body
	scores map[string]float64
	notes  []string
}

func (f *fakeItem) Text(kind, lang string) string { return f.texts[kind+"/"+lang] }
func (f *fakeItem) HasScore(dim string) bool {
	_, ok := f.scores[dim]
	return ok
}
func (f *fakeItem) Score(dim string) float64 { return f.scores[dim] }
func (f *fakeItem) Notes() []string          { return f.notes }
func (f *fakeItem) HasNote(prefix string) bool {
	for _, n := range f.notes {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}
func (f *fakeItem) PutText(_ context.Context, kind, lang, body string) error {
	f.texts[kind+"/"+lang] = body
	return nil
}
func (f *fakeItem) SetScores(_ context.Context, _ string, scores map[string]float64) error {
	for k, v := range scores {
		f.scores[k] = v
	}
	return nil
}
func (f *fakeItem) Note(_ context.Context, body string) error {
	f.notes = append(f.notes, body)
	return nil
}

func newFake() *fakeItem { return &fakeItem{texts: map[string]string{}, scores: map[string]float64{}} }

func TestStepHooks(t *testing.T) {
	ctx := context.Background()
	th := Thresholds{Clarity: 7, Structure: 6, Trait: 6, Typography: 5, Original: 6}
	noCall := func(context.Context, Input) (Output, error) { t.Fatal("unexpected call"); return Output{}, nil }

	q, _ := Lookup("quality")
	x := newFake()
	if p := q.Prepare(ctx, x, &Input{}, nil, th, false); p != Run {
		t.Fatalf("quality prepare = %v", p)
	}
	v, err := q.Apply(ctx, x, Input{}, Output{Scores: map[string]float64{"clarity": 5, "structure": 9}}, th, noCall)
	if err != nil || !strings.HasPrefix(v.Drop, "clarity 5, structure 9") {
		t.Fatalf("quality apply = %+v, %v", v, err)
	}
	if p := q.Prepare(ctx, x, &Input{}, nil, th, false); p != Done {
		t.Fatalf("quality prepare after scores = %v", p)
	}
	if p := q.Prepare(ctx, x, &Input{}, nil, th, true); p != Run {
		t.Fatalf("forced quality prepare = %v", p)
	}

	c, _ := Lookup("captions")
	x = newFake()
	if p := c.Prepare(ctx, x, &Input{}, nil, th, false); p != Skip {
		t.Fatalf("captions without traits = %v", p)
	}
	x.scores["style"], x.scores["entity"], x.scores["text"] = 8, 3, 6
	in := Input{}
	if p := c.Prepare(ctx, x, &in, nil, th, false); p != Run || in.Trait != "text,style" {
		t.Fatalf("captions prepare = %v, trait %q", p, in.Trait)
	}
	if _, err := c.Apply(ctx, x, in, Output{Texts: map[string]string{"style": "S", "entity": "E"}}, th, noCall); err != nil {
		t.Fatal(err)
	}
	if x.texts["style/en"] != "S" || x.texts["entity/en"] != "" {
		t.Fatalf("captions stored %v", x.texts)
	}

	tr, _ := Lookup("translate")
	x = newFake()
	x.texts["detail/zh"] = "已译"
	in = Input{Captions: map[string]string{"detail": "x", "style": `a sign "OPEN"`}}
	if p := tr.Prepare(ctx, x, &in, nil, th, false); p != Run || len(in.Captions) != 1 {
		t.Fatalf("translate prepare = %v, %v", p, in.Captions)
	}
	calls := 0
	retry := func(_ context.Context, in2 Input) (Output, error) {
		calls++
		if !strings.Contains(in2.Text, "OPEN") {
			t.Errorf("retry text %q", in2.Text)
		}
		return Output{Texts: map[string]string{"style": "招牌“OPEN”"}}, nil
	}
	v, err = tr.Apply(ctx, x, in, Output{Texts: map[string]string{"style": "招牌“开”"}}, th, retry)
	if err != nil || v != (Verdict{}) || calls != 1 || x.texts["style/zh"] != "招牌“OPEN”" {
		t.Fatalf("translate retry: %+v, %v, calls %d, %v", v, err, calls, x.texts)
	}
	bad := func(context.Context, Input) (Output, error) {
		return Output{Texts: map[string]string{"style": "招牌"}}, nil
	}
	x = newFake()
	v, err = tr.Apply(ctx, x, in, Output{Texts: map[string]string{"style": "招牌"}}, th, bad)
	if err != nil || !strings.HasPrefix(v.Flag, "translate flagged: style: ") || x.texts["style/zh"] != "" {
		t.Fatalf("translate flagged: %+v, %v, %v", v, err, x.texts)
	}

	for _, s := range Steps() {
		if s.OnPrompts || s.Generates {
			if s.prepare != nil || s.apply != nil {
				t.Errorf("%s has item hooks", s.Name)
			}
		} else if s.prepare == nil || s.apply == nil {
			t.Errorf("%s lacks hooks", s.Name)
		}
	}
}
