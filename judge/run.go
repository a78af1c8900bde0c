package judge

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loupe-dev/loupe/vlm"
)

// Progress is a run's state, reported after each result.
type Progress struct {
	Total, Done       int
	Verdicts, Failed  int
	Skipped, Errors   int
	Cached            int
	InputTokens       int
	OutputTokens      int
	Cost              float64 // USD, from the tokens the backend reported
	Elapsed           time.Duration
	Rate              float64       // results per second
	ETA               time.Duration // 0 when unknown
	LastError         string
	Stopping, Stopped bool
}

// ErrBudget stops a run whose next request would pass --max-cost.
var ErrBudget = errors.New("the cost limit (--max-cost) is reached")

// Runner runs tasks through a judge with bounded concurrency and hands every result, in one goroutine,
// to Store. Cancelling stop ends dispatch: calls in flight finish and are stored, so nothing paid for is
// lost; cancelling hard abandons them too.
type Runner struct {
	Judge      Judge
	Cache      Cache
	Workers    int
	PriceIn    float64 // USD per million tokens
	PriceOut   float64
	MaxCost    float64 // 0: no limit
	DryRun     bool
	Store      func(Result) error // persists one result (called from one goroutine)
	OnProgress func(Progress)
}

// Run judges the tasks. It returns ctx's error when stopped, ErrBudget when the cost limit stopped it,
// a fatal CallError (quota, auth, unknown model) or a Store error.
func (r *Runner) Run(stop, hard context.Context, tasks []*Task) (Progress, error) {
	workers := max(1, r.Workers)
	start := time.Now()
	p := Progress{Total: len(tasks)}
	jobs := make(chan *Task)
	results := make(chan Result, workers)
	var wg sync.WaitGroup
	var fatal atomic.Bool // set by the worker that meets a fatal error, so no other call starts
	emit := func(res Result) {
		var ce *vlm.CallError
		if res.Err != nil && errors.As(res.Err, &ce) && ce.Fatal() {
			fatal.Store(true)
		}
		results <- res
	}
	if hj, ok := r.Judge.(HTTPJudge); ok {
		// two stages: builders prepare requests (and answer from the cache) ahead of the callers, so a
		// caller whose answer arrives sends its next request at once
		staged := make(chan Staged, min(workers, 64))
		var bwg sync.WaitGroup
		for range max(1, min(workers, runtime.GOMAXPROCS(0))) {
			bwg.Add(1)
			go func() {
				defer bwg.Done()
				for t := range jobs {
					if fatal.Load() {
						continue
					}
					s, done := hj.Stage(hard, t, r.Cache, r.DryRun)
					if done != nil {
						emit(*done)
						continue
					}
					staged <- s
				}
			}()
		}
		go func() { bwg.Wait(); close(staged) }()
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for s := range staged {
					if fatal.Load() || stop.Err() != nil {
						continue // staged but never sent: it stays open
					}
					emit(hj.Call(hard, s))
				}
			}()
		}
		wg.Add(1)
		go func() { defer wg.Done(); bwg.Wait() }()
	} else {
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for t := range jobs {
					if fatal.Load() {
						continue
					}
					emit(r.Judge.Run(hard, t, r.Cache, r.DryRun))
				}
			}()
		}
	}
	var mu sync.Mutex // guards spent, reserved and halt between the dispatcher and the collector
	spent, reserved := 0.0, 0.0
	var halt error
	estCost := func(in, out int) float64 { return (float64(in)*r.PriceIn + float64(out)*r.PriceOut) / 1e6 }
	go func() {
		defer close(jobs)
		for _, t := range tasks {
			mu.Lock()
			h := halt
			if h == nil && r.MaxCost > 0 && !r.DryRun {
				// a judgment's typical cost, reserved until its real usage is known
				est := estCost(2000, 200)
				if spent+reserved+est > r.MaxCost {
					halt, h = ErrBudget, ErrBudget
				} else {
					reserved += est
				}
			}
			mu.Unlock()
			if h != nil {
				return
			}
			select {
			case jobs <- t:
			case <-stop.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var storeErr error
	for res := range results {
		p.Done++
		switch {
		case res.Err != nil:
			p.Errors++
			p.LastError = res.Err.Error()
			var ce *vlm.CallError
			if errors.As(res.Err, &ce) && ce.Fatal() {
				mu.Lock()
				if halt == nil {
					halt = ce
				}
				mu.Unlock()
			}
		case res.Skipped != "":
			p.Skipped++
		case res.Error != "":
			p.Failed++
		default:
			p.Verdicts++
		}
		if res.Cached {
			p.Cached++
		}
		if r.DryRun {
			p.InputTokens += res.EstInput
		}
		if !res.Cached {
			p.InputTokens += res.InputTokens
			p.OutputTokens += res.OutputTokens
			c := estCost(res.InputTokens, res.OutputTokens)
			if r.DryRun {
				c = estCost(res.EstInput, 200)
			}
			p.Cost += c
			mu.Lock()
			spent += c
			if r.MaxCost > 0 && !r.DryRun {
				reserved = max(0, reserved-estCost(2000, 200))
			}
			mu.Unlock()
		}
		if storeErr == nil && r.Store != nil && res.Err == nil && res.Skipped == "" {
			if err := r.Store(res); err != nil {
				storeErr = fmt.Errorf("storing the verdict of item %d: %w", res.Task.ItemID, err)
				mu.Lock()
				if halt == nil {
					halt = storeErr
				}
				mu.Unlock()
			}
		}
		p.Elapsed = time.Since(start)
		p.Rate, p.ETA = rateETA(p.Done, p.Total, p.Elapsed)
		p.Stopping = stop.Err() != nil
		if r.OnProgress != nil {
			r.OnProgress(p)
		}
	}
	p.Elapsed = time.Since(start)
	p.Stopped = p.Done < p.Total
	if storeErr != nil {
		return p, storeErr
	}
	if halt != nil {
		return p, halt
	}
	if stop.Err() != nil && p.Stopped {
		return p, stop.Err()
	}
	return p, nil
}

// minRateWindow is how long a run must have gone on before its rate and ETA mean anything: the first
// results (cached ones above all) arrive within milliseconds and would claim thousands a second.
const minRateWindow = time.Second

// rateETA is the results per second and the time left, both 0 (unknown) before minRateWindow.
func rateETA(done, total int, elapsed time.Duration) (float64, time.Duration) {
	if elapsed < minRateWindow || done == 0 {
		return 0, 0
	}
	rate := float64(done) / elapsed.Seconds()
	return rate, time.Duration(float64(total-done) / rate * float64(time.Second))
}
