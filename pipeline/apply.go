package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/loupe-dev/loupe/judge"
)

// Item is what a step's hooks read and write of one item. The workspace's runner implements it over
// the store; the writes record the step's outputs there and in the item's in-memory view.
type Item interface {
	// Text returns the item's text of this kind and language ("" when none).
	Text(kind, lang string) string
	// HasScore reports whether the pipeline score dim is set.
	HasScore(dim string) bool
	// Score returns the pipeline score dim (meaningful only when HasScore).
	Score(dim string) float64
	// Notes returns the item's note lines, oldest first.
	Notes() []string
	// HasNote reports whether a note line starts with prefix.
	HasNote(prefix string) bool
	// PutText stores a text of this kind and language.
	PutText(ctx context.Context, kind, lang, body string) error
	// SetScores stores scores (labels made with the step version, and the inline pipeline scores).
	SetScores(ctx context.Context, version string, scores map[string]float64) error
	// Note appends a note line.
	Note(ctx context.Context, body string) error
}

// Thresholds are the keep/drop rules between steps (0-10).
type Thresholds struct {
	Clarity, Structure float64 // quality: drop below either (the wild's common rule: 7 and 6)
	Trait              float64 // captions: a category caption for each trait scored at least this
	Typography         float64 // typography: drop text images whose text correctness is below this
	Original           float64 // align-original: keep the original caption at or above this
}

// Plan is what a step's Prepare decided for one item.
type Plan int

const (
	// Run asks the model.
	Run Plan = iota
	// Done means the output exists: the item is skipped and counted as already done.
	Done
	// Skip means the step does not apply to the item: nothing is done or counted.
	Skip
)

// Verdict is what a step's Apply decided about an item after storing its answer.
type Verdict struct {
	Drop string // non-empty: drop the item, with this reason
	Flag string // non-empty: some output failed a check; a note with this text, counted as failed
}

// CallFunc asks the model for a step's answer to in (a different request, not the cache, when in differs).
type CallFunc func(ctx context.Context, in Input) (Output, error)

// Prepare completes in, which holds the item's common inputs, with what the step needs, and says
// whether the step should ask the model (t: the thresholds; force: redo outputs that exist). pic is
// the item's picture (nil when it has none or the step reads none). Steps without hooks (expand,
// generate) always Run.
func (s *Step) Prepare(ctx context.Context, x Item, in *Input, pic []byte, t Thresholds, force bool) Plan {
	if s.prepare == nil {
		return Run
	}
	return s.prepare(ctx, x, in, pic, t, force)
}

// Apply stores the step's answer out (to in) on x and decides whether the item stays; call asks the
// model again (translate's single retry). Steps without hooks (expand, generate) store nothing.
func (s *Step) Apply(ctx context.Context, x Item, in Input, out Output, th Thresholds, call CallFunc) (Verdict, error) {
	if s.apply == nil {
		return Verdict{}, nil
	}
	return s.apply(ctx, s, x, in, out, th, call)
}

// prepareFunc and applyFunc are a step's Prepare and Apply hooks.
type (
	prepareFunc func(ctx context.Context, x Item, in *Input, pic []byte, t Thresholds, force bool) Plan
	applyFunc   func(ctx context.Context, s *Step, x Item, in Input, out Output, t Thresholds, call CallFunc) (Verdict, error)
)

// hooks are one step's Prepare and Apply functions.
type hooks struct {
	prepare prepareFunc
	apply   applyFunc
}

// doneIf is a prepare hook that skips items for which done reports the output exists.
func doneIf(done func(x Item) bool) func(context.Context, Item, *Input, []byte, Thresholds, bool) Plan {
	return func(_ context.Context, x Item, _ *Input, _ []byte, _ Thresholds, force bool) Plan {
		if done(x) && !force {
			return Done
		}
		return Run
	}
}

// putText is an apply hook that stores the answer's field as the item's English text of kind.
func putText(field, kind string) func(context.Context, *Step, Item, Input, Output, Thresholds, CallFunc) (Verdict, error) {
	return func(ctx context.Context, _ *Step, x Item, _ Input, out Output, _ Thresholds, _ CallFunc) (Verdict, error) {
		return Verdict{}, x.PutText(ctx, kind, "en", out.Texts[field])
	}
}

// setScores is an apply hook that stores the answer's scores.
func setScores(ctx context.Context, s *Step, x Item, _ Input, out Output, _ Thresholds, _ CallFunc) (Verdict, error) {
	return Verdict{}, x.SetScores(ctx, s.Version, out.Scores)
}

// stepHooks holds the hooks of the steps that run on one item and ask the model, by step name.
var stepHooks = map[string]hooks{
	"rewrite": {
		prepare: func(_ context.Context, x Item, in *Input, _ []byte, t Thresholds, force bool) Plan {
			if x.Text("prompt", "en") != "" && !force {
				return Done
			}
			*in = Input{Prompt: x.Text("original", "en"), Caption: x.Text("original", "en")}
			return Run
		},
		apply: putText("prompt", "prompt"),
	},
	"quality": {
		prepare: doneIf(func(x Item) bool { return x.HasScore("clarity") && x.HasScore("structure") }),
		apply: func(ctx context.Context, s *Step, x Item, _ Input, out Output, t Thresholds, _ CallFunc) (Verdict, error) {
			if err := x.SetScores(ctx, s.Version, out.Scores); err != nil {
				return Verdict{}, err
			}
			if out.Scores["clarity"] < t.Clarity || out.Scores["structure"] < t.Structure {
				return Verdict{Drop: fmt.Sprintf("clarity %g, structure %g (keep at %g and %g)", out.Scores["clarity"], out.Scores["structure"], t.Clarity, t.Structure)}, nil
			}
			return Verdict{}, nil
		},
	},
	"traits": {
		prepare: doneIf(func(x Item) bool { return x.HasScore("composition") && x.HasScore("style") && x.HasScore("affection") }),
		apply:   setScores,
	},
	"mine-text": {
		prepare: doneIf(func(x Item) bool { return x.HasNote("mine-text:") }),
		apply: func(ctx context.Context, _ *Step, x Item, _ Input, out Output, _ Thresholds, _ CallFunc) (Verdict, error) {
			found := out.HasText != nil && *out.HasText && strings.TrimSpace(out.Texts["text"]) != ""
			n := "mine-text: none"
			if found {
				n = "mine-text: " + strings.TrimSpace(out.Texts["text"])
			}
			return Verdict{}, x.Note(ctx, n)
		},
	},
	"typography": {
		prepare: func(ctx context.Context, x Item, in *Input, pic []byte, t Thresholds, force bool) Plan {
			text := ""
			for _, n := range x.Notes() {
				if t, ok := strings.CutPrefix(n, "mine-text: "); ok && t != "none" {
					text = t
				}
			}
			if rs := RenderStrings(in.Prompt + " " + in.Caption); text == "" && len(rs) > 0 {
				text = strings.Join(rs, " ")
			}
			if text == "" {
				return Skip // not a text image
			}
			if x.HasNote("typography:") && !force {
				return Done
			}
			in.Text = text
			if ocr, err := (judge.OCRJudge{}).Judge(ctx, pic, `"`+text+`"`); err == nil {
				in.OCR = ocr.Read
			}
			return Run
		},
		apply: func(ctx context.Context, _ *Step, x Item, in Input, out Output, t Thresholds, _ CallFunc) (Verdict, error) {
			leg, cor := out.Scores["legibility"], out.Scores["correctness"]
			if err := x.Note(ctx, fmt.Sprintf("typography: legibility %g, correctness %g; OCR read %q", leg, cor, in.OCR)); err != nil {
				return Verdict{}, err
			}
			if cor < t.Typography {
				return Verdict{Drop: fmt.Sprintf("text correctness %g below %g", cor, t.Typography)}, nil
			}
			return Verdict{}, nil
		},
	},
	"captions": {
		prepare: func(_ context.Context, x Item, in *Input, _ []byte, t Thresholds, force bool) Plan {
			var traits []string
			for k, dim := range traitKinds {
				if x.HasScore(dim) && x.Score(dim) >= t.Trait {
					traits = append(traits, CaptionKinds[k])
				}
			}
			if len(traits) == 0 {
				return Skip
			}
			missing := false
			for _, k := range traits {
				missing = missing || x.Text(k, "en") == ""
			}
			if !missing && !force {
				return Done
			}
			in.Trait = strings.Join(traits, ",")
			return Run
		},
		apply: func(ctx context.Context, _ *Step, x Item, in Input, out Output, _ Thresholds, _ CallFunc) (Verdict, error) {
			for _, k := range strings.Split(in.Trait, ",") {
				if t := out.Texts[k]; t != "" {
					if err := x.PutText(ctx, k, "en", t); err != nil {
						return Verdict{}, err
					}
				}
			}
			return Verdict{}, nil
		},
	},
	"gcot": {
		prepare: doneIf(func(x Item) bool { return x.Text("detail", "en") != "" }),
		apply:   putText("detail", "detail"),
	},
	"align-original": {
		prepare: func(_ context.Context, x Item, in *Input, _ []byte, t Thresholds, force bool) Plan {
			if x.HasScore("original_alignment") && !force {
				return Done
			}
			if in.Caption == "" {
				return Skip
			}
			return Run
		},
		apply: func(ctx context.Context, s *Step, x Item, in Input, out Output, t Thresholds, _ CallFunc) (Verdict, error) {
			if err := x.SetScores(ctx, s.Version, out.Scores); err != nil {
				return Verdict{}, err
			}
			if out.Scores["original_alignment"] >= t.Original {
				// the original caption passed the alignment gate (the dataset's bool_caption_original)
				if err := x.PutText(ctx, "original", "en", in.Caption); err != nil {
					return Verdict{}, err
				}
			}
			return Verdict{}, nil
		},
	},
	"translate": {
		prepare: func(_ context.Context, x Item, in *Input, _ []byte, t Thresholds, force bool) Plan {
			todo := map[string]string{}
			for k, t := range in.Captions {
				if x.Text(k, "zh") == "" || force {
					todo[k] = t
				}
			}
			if len(todo) == 0 {
				return Done
			}
			in.Captions = todo
			return Run
		},
		apply: func(ctx context.Context, _ *Step, x Item, in Input, out Output, _ Thresholds, call CallFunc) (Verdict, error) {
			var bad []string
			for k, en := range in.Captions {
				zh := out.Texts[k]
				if zh == "" {
					continue
				}
				if cerr := CheckTranslation(en, zh); cerr != nil {
					// one retry, asking again with the rule restated (a different request, not the cache)
					in2 := in
					in2.Captions = map[string]string{k: en}
					in2.Text = "Keep every quoted English string exactly as written: " + strings.Join(RenderStrings(en), ", ")
					out2, err2 := call(ctx, in2)
					if err2 == nil && CheckTranslation(en, out2.Texts[k]) == nil {
						zh = out2.Texts[k]
					} else {
						bad = append(bad, k+": "+cerr.Error())
						continue
					}
				}
				if err := x.PutText(ctx, k, "zh", zh); err != nil {
					return Verdict{}, err
				}
			}
			if len(bad) > 0 {
				return Verdict{Flag: "translate flagged: " + strings.Join(bad, "; ")}, nil
			}
			return Verdict{}, nil
		},
	},
}

// traitKinds pairs each caption kind (CaptionKinds, in order) with the trait score that calls for it.
var traitKinds = []string{"composition", "entity", "text", "imagination", "style", "affection"}
