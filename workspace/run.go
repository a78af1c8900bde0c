package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"

	"github.com/loupe-dev/loupe/judge"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/vlm"
)

// JudgePlan is a judge run made ready: the backend, its rater, the rubric set and the open tasks of a
// selection. Run runs it; the CLI's batch files use its parts.
type JudgePlan struct {
	Backend *vlm.Backend
	Set     judge.RubricSet
	SetHash string
	RaterID int64
	Rater   string
	Tasks
}

// PlanJudge finds the rubric set (ErrNoRubricSet when it is not stored), the backend's rater and the
// tasks of the selection that rater has not done.
func (w *Workspace) PlanJudge(ctx context.Context, sel Selection, b *vlm.Backend, rubrics string) (*JudgePlan, error) {
	if rubrics == "" {
		rubrics = judge.Builtin().Name
	}
	set, setHash, err := RubricSet(ctx, w.st, rubrics)
	if err != nil {
		return nil, err
	}
	raterID, rater, err := Rater(ctx, w.st, b, set.Name, setHash)
	if err != nil {
		return nil, err
	}
	ts, err := OpenTasks(ctx, w.st, sel, set, raterID, b.Offline())
	if err != nil {
		return nil, err
	}
	return &JudgePlan{Backend: b, Set: set, SetHash: setHash, RaterID: raterID, Rater: rater, Tasks: ts}, nil
}

// JudgeOptions tune a judge run.
type JudgeOptions struct {
	MaxCost  float64 // stop before the run's cost would pass this many USD (0: no limit)
	DryRun   bool    // count and estimate; call and store nothing, record no run
	Settings any     // recorded with the run as JSON
	// Abandon is the context the calls in flight finish and are stored under after ctx stopped the
	// dispatch (see Interrupts); nil: ctx itself.
	Abandon    context.Context
	OnProgress func(judge.Progress)
	OnStored   func(judge.Result) // called with each result before it is stored
	// fresh asks every task past the response cache (a re-judge's further sample), storing it as sample.
	sample int
	fresh  bool
	judge  judge.Judge // made from the backend when nil
}

// JudgeReport is what a judge run did.
type JudgeReport struct {
	RunID    int64
	Progress judge.Progress
	Requests int64 // HTTP attempts (VLM backends)
	Retries  int64
	Conns    int64             // connections opened (VLM backends)
	Servers  []vlm.ServerStats // per server of the backend: requests, failures, mean latency
	Status   string            // done, cancelled (stopped or over budget), interrupted (calls in flight abandoned) or failed
	// Err is why the run stopped early: ctx's error, judge.ErrBudget, a fatal call error or a storage
	// error; nil when every task was tried.
	Err error
}

// Run is the one judge-run sequence: start a run record, run the judge over the open tasks, store every
// verdict as it arrives, and finish the run record (also when the run was interrupted). The error is
// only about the run record; what stopped the run is in the report.
func (w *Workspace) Run(ctx context.Context, plan *JudgePlan, o JudgeOptions) (*JudgeReport, error) {
	b := plan.Backend
	j := o.judge
	var client *vlm.Client
	if j == nil {
		if b.Offline() {
			j = judge.OfflineJudge{B: b}
		} else {
			var err error
			if client, err = vlm.NewClient(b, nil); err != nil {
				return nil, err
			}
			j = judge.HTTPJudge{C: client}
		}
	}
	hard := o.Abandon
	if hard == nil {
		hard = ctx
	}
	rep := &JudgeReport{Status: "done"}
	if !o.DryRun {
		settings, _ := json.Marshal(o.Settings)
		if o.Settings == nil {
			settings = []byte("{}")
		}
		var err error
		if rep.RunID, err = w.st.StartRun(ctx, "judge", b.Name, b.Model, string(settings), plan.SetHash); err != nil {
			return nil, err
		}
	}
	pin, pout, _ := b.Prices()
	var cache judge.Cache = store.JudgeCache{S: w.st}
	if o.fresh {
		cache = nil // asked again on purpose: a fresh answer
	}
	r := &judge.Runner{Judge: j, Cache: cache, Workers: b.Workers(), PriceIn: pin, PriceOut: pout,
		MaxCost: o.MaxCost, DryRun: o.DryRun, OnProgress: o.OnProgress,
		Store: func(res judge.Result) error {
			if o.OnStored != nil {
				o.OnStored(res)
			}
			return w.st.SaveVerdicts(hard, toStore(res, b, plan.RaterID, rep.RunID, o.sample))
		}}
	if o.DryRun {
		r.Store = nil
	}
	p, runErr := r.Run(ctx, hard, plan.Open)
	rep.Progress, rep.Err = p, runErr
	if client != nil {
		rep.Requests, rep.Retries = client.Calls.Load(), client.Retries.Load()
		rep.Conns, rep.Servers = client.Conns.Load(), client.Servers()
	}
	switch {
	case o.Abandon != nil && o.Abandon.Err() != nil:
		// a second Ctrl-C: the calls in flight were abandoned, not finished
		rep.Status = "interrupted"
	case runErr == nil && p.Stopped:
		rep.Status = "interrupted"
	case runErr != nil && (errors.Is(runErr, context.Canceled) || errors.Is(runErr, judge.ErrBudget)):
		rep.Status = "cancelled"
	case runErr != nil:
		rep.Status = "failed"
	}
	if !o.DryRun {
		// the record of the run is written even when it was interrupted
		if err := w.st.FinishRun(context.WithoutCancel(ctx), rep.RunID, rep.Status, store.RunTotals{Requests: int(rep.Requests),
			Cached: p.Cached, Verdicts: p.Verdicts, Failed: p.Failed, InputTokens: p.InputTokens, OutputTokens: p.OutputTokens,
			CostUSD: p.Cost}); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// Judge plans and runs a judge over a selection (PlanJudge, then Run).
func (w *Workspace) Judge(ctx context.Context, sel Selection, b *vlm.Backend, rubrics string, o JudgeOptions) (*JudgePlan, *JudgeReport, error) {
	plan, err := w.PlanJudge(ctx, sel, b, rubrics)
	if err != nil {
		return nil, nil, err
	}
	rep, err := w.Run(ctx, plan, o)
	return plan, rep, err
}

// Offline runs an offline judge (ocr or rules) over a queue with loupe's rubrics and stores its
// verdicts; it returns how many verdicts it stored and how many items it did not apply to.
func (w *Workspace) Offline(ctx context.Context, kind, queue string) (stored, skipped int, err error) {
	b := &vlm.Backend{Name: kind, Kind: kind}
	if err := b.Normalize(); err != nil {
		return 0, 0, err
	}
	if !b.Offline() {
		return 0, 0, fmt.Errorf("%s is not an offline judge", kind)
	}
	_, rep, err := w.Judge(ctx, Selection{Queue: queue}, b, "", JudgeOptions{Settings: map[string]any{"offline": true}})
	if err != nil {
		return 0, 0, err
	}
	p := rep.Progress
	err = rep.Err
	if err == nil && p.Errors > 0 {
		err = errors.New(p.LastError)
	}
	return p.Verdicts + p.Failed, p.Skipped, err
}

// Rejudger serves one-item re-judges (the review screen's re-judge key): judges, with their HTTP
// clients, are made once per backend and kept. It is safe for concurrent use by multiple goroutines.
type Rejudger struct {
	w        *Workspace
	backends func(name string) (*vlm.Backend, error)
	mu       sync.Mutex // guards judges
	judges   map[string]judge.Judge
}

// NewRejudger returns a Rejudger finding backends by name with backend (the configuration's).
func (w *Workspace) NewRejudger(backend func(name string) (*vlm.Backend, error)) *Rejudger {
	return &Rejudger{w: w, backends: backend, judges: map[string]judge.Judge{}}
}

func (r *Rejudger) judge(name string) (judge.Judge, *vlm.Backend, error) {
	b, err := r.backends(name)
	if err != nil {
		return nil, nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if j, ok := r.judges[name]; ok {
		return j, b, nil
	}
	j, err := judge.New(b)
	if err != nil {
		return nil, nil, err
	}
	r.judges[name] = j
	return j, b, nil
}

// observed is a judge that reports every result it makes.
type observed struct {
	judge.Judge
	seen func(judge.Result)
}

func (o observed) Run(ctx context.Context, t *judge.Task, c judge.Cache, dry bool) judge.Result {
	res := o.Judge.Run(ctx, t, c, dry)
	o.seen(res)
	return res
}

// Rejudge judges one item with the backend using loupe's rubrics, through the same run sequence as
// Judge, and describes the verdicts it stored. A verdict the rater already gave is asked again (past
// the cache) and kept as a further sample beside the first.
func (r *Rejudger) Rejudge(ctx context.Context, itemID int64, backend string) (string, error) {
	j, b, err := r.judge(backend)
	if err != nil {
		return "", err
	}
	st := r.w.st
	set, setHash, err := RubricSet(ctx, st, judge.Builtin().Name)
	if err != nil {
		return "", err
	}
	raterID, rater, err := Rater(ctx, st, b, set.Name, setHash)
	if err != nil {
		return "", err
	}
	targets, err := st.JudgeTargets(ctx, "", []string{strconv.FormatInt(itemID, 10)})
	if err != nil {
		return "", err
	}
	tg := targets[0]
	fillPrompt(&tg)
	if tg.Prompt == "" || tg.Track == "" {
		return "", fmt.Errorf("item %s has no prompt or track to judge against", tg.ExtID)
	}
	kinds := []string{"alignment", "aesthetics"}
	if b.Offline() {
		kinds = kinds[:1]
	}
	plan := &JudgePlan{Backend: b, Set: set, SetHash: setHash, RaterID: raterID, Rater: rater}
	sample := 0
	for _, k := range kinds {
		rub, err := set.For(k, tg.Track)
		if err != nil {
			return "", err
		}
		t := &judge.Task{ItemID: itemID, Kind: k, Track: tg.Track, Prompt: tg.Prompt, Rubric: rub, Image: ImageLoader(tg)}
		n, err := st.NextSample(ctx, itemID, raterID, t.Dimension())
		if err != nil {
			return "", err
		}
		sample = max(sample, n)
		plan.Open = append(plan.Open, t)
	}
	var mu sync.Mutex // guards parts and callErr
	var parts []string
	var callErr error
	seen := func(res judge.Result) {
		mu.Lock()
		defer mu.Unlock()
		k := res.Task.Kind
		switch {
		case res.Err != nil:
			if callErr == nil {
				callErr = res.Err
			}
		case res.Skipped != "":
			parts = append(parts, k+" not applicable ("+res.Skipped+")")
		case res.Error != "":
			parts = append(parts, k+" failed: "+res.Error)
		default:
			parts = append(parts, fmt.Sprintf("%s %g", k, *res.Value))
		}
	}
	b1 := *b
	b1.Concurrency = 1 // one task after the other: the description keeps their order
	b1.BaseURLs = nil  // (the workers are counted per server; the judge's client keeps its pool)
	plan.Backend = &b1
	rep, err := r.w.Run(ctx, plan, JudgeOptions{judge: observed{Judge: j, seen: seen}, sample: sample, fresh: sample > 0,
		Settings: map[string]any{"rejudge": itemID, "backend": b.Name}})
	if err != nil {
		return "", err
	}
	mu.Lock()
	defer mu.Unlock()
	switch {
	case callErr != nil:
		return strings.Join(parts, "; "), callErr
	case rep.Err != nil:
		return strings.Join(parts, "; "), rep.Err
	}
	return strings.Join(parts, "; "), nil
}

// Interrupts is the cancellation policy of a judge run on a terminal. The program's context (ctx,
// cancelled by the first Ctrl-C through signal.NotifyContext) stops the dispatch of new calls; the
// returned context, under which the calls in flight finish and are stored, is cancelled by a second
// Ctrl-C. onFirst is called on the first Ctrl-C (to say what is happening). stop releases the signal.
func Interrupts(ctx context.Context, onFirst func()) (hard context.Context, stop func()) {
	hard, cancel := context.WithCancel(context.WithoutCancel(ctx))
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt)
	done := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case <-sigs:
				n++
				if n == 1 {
					onFirst()
				} else {
					cancel()
				}
			case <-done:
				return
			}
		}
	}()
	return hard, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}
