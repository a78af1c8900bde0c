package judge

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/vlm"
)

// Task is one verdict to make: a kind of verdict on one item's picture against its prompt.
type Task struct {
	ItemID int64
	Kind   string // "alignment" or "aesthetics"
	Track  string
	Prompt string
	Rubric Rubric
	Image  func() ([]byte, error) // the encoded picture, read when the task runs
}

// Dimension is the workspace dimension the task's verdict is stored under.
func (t *Task) Dimension() string {
	if t.Kind == "aesthetics" {
		return "prism_aesthetics"
	}
	return "prism_alignment"
}

// Result is a task's outcome: its verdict (review.Verdict, stored as it is) and how the call went.
// Exactly one of these holds: Value is set (a verdict); Error is set (a failed verdict: stored, never
// averaged); Skipped is set (the judge does not apply); Err is set (nothing to store: the task stays open
// for the next run). The judges fill in the verdict's item, dimension, rubric, backend and model (see
// For); whoever stores it adds the rater, the run and the sample.
type Result struct {
	review.Verdict
	Task     *Task
	Cached   bool   // the answer came from the cache (Response is nil)
	Skipped  string // why the judge does not apply
	Err      error
	EstInput int // the estimate, when the call was not made (dry run)
}

// For returns the result with its task and with the verdict's item, dimension, rubric hash, backend
// and model filled in from the task and the backend.
func (r Result) For(t *Task, b *vlm.Backend) Result {
	r.Task = t
	if t != nil {
		r.ItemID, r.Dimension, r.RubricHash = t.ItemID, t.Dimension(), t.Rubric.Hash()
	}
	if b != nil {
		r.Backend, r.Model = b.Name, b.Model
	}
	return r
}

// Interpret reads a chat completion body as a PRISM-Bench verdict: a refusal or a content filter is a
// failed verdict; a truncated answer is parsed all the same and fails only if it does not parse; the
// text is parsed exactly as leniently as the reference (ParseVerdict).
func Interpret(body []byte) Result { return InterpretMode(body, ParseStrict) }

// InterpretMode is Interpret with a parse mode (ParseExtract rescues verdicts wrapped in prose).
func InterpretMode(body []byte, mode string) Result {
	c, err := vlm.ParseCompletion(body)
	if err != nil {
		return Result{Verdict: review.Verdict{Error: err.Error(), Raw: truncate(string(body), 2000)}}
	}
	r := Result{Verdict: review.Verdict{InputTokens: c.InputTokens, OutputTokens: c.OutputTokens, Raw: c.Content}}
	switch {
	case c.Refusal != "":
		r.Raw, r.Error = c.Refusal, "refused: "+truncate(c.Refusal, 200)
		return r
	case c.FinishReason == "content_filter":
		r.Error = "refused: the content filter stopped the answer"
		return r
	}
	v := ParseVerdictMode(c.Content, mode)
	if v.Value == nil {
		r.Error = v.Error
		if c.FinishReason == "length" {
			r.Error = "truncated at the token limit: " + v.Error
		}
		return r
	}
	r.Value, r.Justification, r.Parse = v.Value, v.Justification, v.Parse
	return r
}

// failed is a failed verdict: why it failed.
func failed(why string) Result { return Result{Verdict: review.Verdict{Error: why}} }

// scored is a verdict: its score, justification and raw text.
func scored(score float64, justification, raw string) Result {
	return Result{Verdict: review.Verdict{Value: &score, Justification: justification, Raw: raw}}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "..."
}

// Cache finds raw responses by request key.
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
}

// Judge makes one verdict.
type Judge interface {
	// Name is the backend's configured name; Model the model (or offline judge) behind it.
	Name() string
	Model() string
	// Run makes the task's verdict; with dryRun it only prepares (and estimates) the request.
	Run(ctx context.Context, t *Task, cache Cache, dryRun bool) Result
}

// HTTPJudge is a VLM judge behind an OpenAI-compatible backend.
type HTTPJudge struct{ C *vlm.Client }

// Name implements Judge.
func (j HTTPJudge) Name() string { return j.C.B.Name }

// Model implements Judge.
func (j HTTPJudge) Model() string { return j.C.B.Model }

// Run implements Judge: the cache first, then the backend.
func (j HTTPJudge) Run(ctx context.Context, t *Task, cache Cache, dryRun bool) Result {
	s, done := j.Stage(ctx, t, cache, dryRun)
	if done != nil {
		return *done
	}
	return j.Call(ctx, s)
}

// Staged is a task whose request is built and not in the cache: it only needs the call.
type Staged struct {
	Task *Task
	P    vlm.Prepared
}

// Stage builds the task's request and answers it from the cache when it can (done != nil). The
// runner stages requests ahead of the calls, so the CPU work happens while other calls wait on the
// network rather than in a burst when they return.
func (j HTTPJudge) Stage(ctx context.Context, t *Task, cache Cache, dryRun bool) (Staged, *Result) {
	p, err := Build(j.C.B, t)
	if err != nil {
		r := failed(err.Error()).For(t, j.C.B)
		return Staged{}, &r
	}
	if cache != nil {
		body, ok, err := cache.Get(ctx, p.Key)
		if err != nil {
			r := Result{Err: err}.For(t, j.C.B)
			r.Key = p.Key
			return Staged{}, &r
		}
		if ok {
			// redacted again: a body cached before loupe redacted answers may hold the key
			r := redactResult(InterpretMode(j.C.RedactBody(body), j.C.B.Parse), j.C.Redactor())
			r = r.For(t, j.C.B)
			r.Key, r.Cached = p.Key, true
			return Staged{}, &r
		}
	}
	if dryRun {
		r := Result{EstInput: p.EstInput + p.EstOutput, Skipped: "dry run"}.For(t, j.C.B)
		r.Key = p.Key
		return Staged{}, &r
	}
	return Staged{Task: t, P: p}, nil
}

// Call sends a staged request and interprets the answer.
func (j HTTPJudge) Call(ctx context.Context, s Staged) Result {
	t, p := s.Task, s.P
	body, err := j.C.Send(ctx, p)
	if err != nil {
		var ce *vlm.CallError
		if errors.As(err, &ce) && ce.Terminal() {
			r := failed(ce.Error()).For(t, j.C.B)
			r.Key = p.Key
			return redactResult(r, j.C.Redactor())
		}
		r := Result{Err: err}.For(t, j.C.B)
		r.Key = p.Key
		return redactResult(r, j.C.Redactor())
	}
	r := InterpretMode(body, j.C.B.Parse).For(t, j.C.B)
	r.Key, r.Response = p.Key, body
	return redactResult(r, j.C.Redactor())
}

// OfflineJudge adapts the OCR and rules judges: deterministic, no network, alignment only, and only
// for prompts they can check (the others are skipped, not failed).
type OfflineJudge struct{ B *vlm.Backend }

// Name implements Judge.
func (j OfflineJudge) Name() string { return j.B.Name }

// Model implements Judge.
func (j OfflineJudge) Model() string { return j.B.Model }

// Run implements Judge.
func (j OfflineJudge) Run(ctx context.Context, t *Task, _ Cache, dryRun bool) Result {
	return j.run(ctx, t, dryRun).For(t, j.B)
}

// run makes the verdict of Run, without its task.
func (j OfflineJudge) run(ctx context.Context, t *Task, dryRun bool) Result {
	if t.Kind != "alignment" {
		return Result{Skipped: j.B.Kind + " judges alignment only"}
	}
	if dryRun {
		return Result{Skipped: "dry run"}
	}
	img, err := t.Image()
	if err != nil {
		return failed("image: " + err.Error())
	}
	switch j.B.Kind {
	case KindOCR:
		if len(ExpectedText(t.Prompt)) == 0 {
			return Result{Skipped: "the prompt asks for no text"}
		}
		v, err := OCRJudge{Lang: j.B.Lang}.Judge(ctx, img, t.Prompt)
		if errors.Is(err, ErrNoTesseract) {
			return Result{Err: err}
		}
		if err != nil {
			return failed(err.Error())
		}
		return scored(v.Score, v.Justification, "OCR read: "+v.Read)
	case KindRules:
		v, err := RulesJudge{}.Judge(ctx, img, t.Prompt)
		if errors.Is(err, ErrRulesNotApplicable) {
			return Result{Skipped: "no colour, count or position constraint to check"}
		}
		if err != nil {
			return failed(err.Error())
		}
		var raw strings.Builder
		for _, c := range v.Checks {
			mark := "ok"
			if !c.OK {
				mark = "FAIL"
			}
			fmt.Fprintf(&raw, "%s %s: %s\n", mark, c.Constraint, c.Detail)
		}
		return scored(v.Score, v.Justification, strings.TrimSpace(raw.String()))
	}
	return Result{Err: fmt.Errorf("backend %q: %s is not an offline judge", j.B.Name, j.B.Kind)}
}

// New makes the judge for a backend.
func New(b *vlm.Backend) (Judge, error) {
	if b.Offline() {
		return OfflineJudge{B: b}, nil
	}
	c, err := vlm.NewClient(b, nil)
	if err != nil {
		return nil, err
	}
	return HTTPJudge{C: c}, nil
}
