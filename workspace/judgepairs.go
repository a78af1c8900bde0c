package workspace

// The pairwise judge run (`loupe judge --pairs`): a VLM compares the two pictures of each pair of a pair
// queue with loupe's pairwise rubric, in both orders (to measure its position bias) or in the order
// the queue shows, and every answer is stored as it arrives (store.SavePairVerdicts).

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loupe-dev/loupe/judge"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/vlm"
)

// Orders a pairwise judge run asks (JudgePairsRequest.Orders).
const (
	// PairOrdersBoth asks every pair twice, each picture shown first once: the position bias is measured.
	PairOrdersBoth = "both"
	// PairOrdersAB asks every pair once, in the order the queue shows it (its left picture first): half
	// the requests, no measure of position bias.
	PairOrdersAB = "ab"
)

// JudgePairsRequest is a pairwise judge run to make.
type JudgePairsRequest struct {
	Queue   string       // a pair queue (loupe sample --pairs)
	Backend *vlm.Backend // an HTTP (VLM) backend, as the single-image judge takes it; it is not changed
	// Dimension is "alignment" (default: which picture matches the prompt better) or "aesthetics".
	Dimension string
	// Orders is PairOrdersBoth (default) or PairOrdersAB.
	Orders      string
	Concurrency int // requests in flight per server (0: the backend's)
	Limit       int // judge at most this many pairs with an order still to ask (0: all)
	// Redo asks again the orders this rater answered already, past the response cache (the new answer
	// replaces the stored one); RetryUnreadable does so for the unreadable answers only.
	Redo, RetryUnreadable bool
	// Settings are recorded with the run besides the request's own (pairs, queue, dimension, orders...).
	Settings map[string]any
	// Abandon is the context the calls in flight finish and are stored under after ctx stopped the
	// dispatch (see Interrupts); nil: ctx itself, so cancelling ctx abandons them too.
	Abandon context.Context
	// OnProgress is called after each answer (from one goroutine).
	OnProgress func(judge.Progress)
}

// JudgePairsBias is what a pairwise judge's stored answers on a queue say about its position bias.
type JudgePairsBias struct {
	// Answers counts the readable answers; FirstPicks, SecondPicks and Ties what they picked by position.
	Answers     int `json:"answers"`
	FirstPicks  int `json:"first_picks"`
	SecondPicks int `json:"second_picks"`
	Ties        int `json:"ties"`
	// FirstShare is FirstPicks / (FirstPicks + SecondPicks): 0.5 for a judge without position bias, 1
	// for one that always picks the picture shown first (0 when no answer picked a picture).
	FirstShare float64 `json:"first_share"`
	Unreadable int     `json:"unreadable"`
	// Pairs counts the pairs answered readably in both orders, combined with judge.CombineOrders:
	// Consistent the same model won in both orders, Tied a tie in at least one order, Flips (inconsistent)
	// the same position won both times, so a different model each time.
	Pairs      int `json:"pairs_both_orders"`
	Consistent int `json:"consistent"`
	Tied       int `json:"tied"`
	Flips      int `json:"flips"`
}

// JudgePairsReport is what a pairwise judge run did.
type JudgePairsReport struct {
	RunID     int64  `json:"run_id,omitempty"` // 0 when there was nothing to ask (no run is recorded)
	Backend   string `json:"backend"`
	Rater     string `json:"rater"`
	Queue     string `json:"queue"`
	Dimension string `json:"dimension"`
	Orders    string `json:"orders"`
	// Pairs is the queue's size; Open the pairs this run had an order to ask of (after Limit), and
	// AlreadyDone the orders this rater had answered (not asked again).
	Pairs       int `json:"pairs"`
	Open        int `json:"open_pairs"`
	AlreadyDone int `json:"already_answered"`
	// Judged counts the pairs whose every open order got an answer stored in this run.
	Judged int `json:"pairs_judged"`
	Asked  int `json:"answers_to_ask"`
	// AnswersAB and AnswersBA count the answers stored in this run by order (AB: the pair's picture A
	// shown first); Unreadable those of them that could not be read (stored with no pick and the error).
	AnswersAB  int `json:"answers_ab"`
	AnswersBA  int `json:"answers_ba"`
	Unreadable int `json:"unreadable"`
	Cached     int `json:"from_cache"`
	// Errors counts the answers that could not be had (a transient failure past its retries, a fatal
	// error, the run stopping): they stay open for the next run.
	Errors       int     `json:"errors"`
	LastError    string  `json:"last_error,omitempty"`
	Requests     int64   `json:"http_attempts"`
	Retries      int64   `json:"retries"`
	InputTokens  int     `json:"input_tokens"`
	OutputTokens int     `json:"output_tokens"`
	CostUSD      float64 `json:"cost_usd"`
	// Bias is over every answer this rater has stored on the queue's pairs for the dimension, this run's
	// and earlier ones'.
	Bias    JudgePairsBias `json:"bias"`
	Elapsed time.Duration  `json:"-"`
	// Status is done, cancelled (stopped), interrupted (calls in flight abandoned) or failed.
	Status string `json:"status"`
	// Err is why the run stopped early: ctx's error, a fatal call error or a storage error; nil when
	// every open order was tried.
	Err error `json:"-"`
}

// JudgePairsRubricHash is the hash of a pairwise rubric set: of every rubric's text, by kind and track.
func JudgePairsRubricHash(set judge.PairRubricSet) string {
	h := sha256.New()
	for _, t := range slices.Sorted(func(yield func(string) bool) {
		for t := range set.Alignment {
			if !yield(t) {
				return
			}
		}
	}) {
		fmt.Fprintf(h, "alignment/%s=%s\n", t, set.Alignment[t].Hash())
	}
	fmt.Fprintf(h, "aesthetics/=%s\n", set.Aesthetics.Hash())
	return hex.EncodeToString(h.Sum(nil))
}

// JudgePairsRater is the rater a backend's pairwise answers are stored under, as Rater names a
// single-image judge: the model, the pairwise rubric set and its hash (so a change of wording makes a
// new rater), and the backend's verdict settings where they are not the defaults.
func JudgePairsRater(b *vlm.Backend, set judge.PairRubricSet) (name, setHash string) {
	setHash = JudgePairsRubricHash(set)
	name = store.RaterName(b.Model, set.Name, setHash)
	if vs := b.VerdictSettings(); vs != "" {
		name += " [" + vs + "]"
	}
	return name, setHash
}

// storePick is a pick as pair_verdicts spells it ("" for none).
func storePick(p judge.Pick) string {
	switch p {
	case judge.PickFirst:
		return "first"
	case judge.PickSecond:
		return "second"
	case judge.PickTie:
		return "tie"
	}
	return ""
}

// judgePick is a stored pick as the judge package spells it.
func judgePick(s string) judge.Pick {
	switch s {
	case "first":
		return judge.PickFirst
	case "second":
		return judge.PickSecond
	case "tie":
		return judge.PickTie
	}
	return ""
}

// pairOrder is one order of a pair: its items in the order shown.
type pairOrder struct {
	order         judge.Order
	first, second int64
}

// ordersOf is a pair's two orders: [0] A first, [1] B first.
func ordersOf(p review.Pair) [2]pairOrder {
	return [2]pairOrder{{judge.OrderAB, p.A.Item, p.B.Item}, {judge.OrderBA, p.B.Item, p.A.Item}}
}

// pairJob is a pair with the orders still to ask.
type pairJob struct {
	pair   review.Pair
	orders []pairOrder
}

// pairAsk is one order of a pair, built and ready to send.
type pairAsk struct {
	job *pairJob
	o   pairOrder
	req judge.PairRequest
}

// pairResult is one order's outcome: an answer to store (v), or err when there is none.
type pairResult struct {
	job    *pairJob
	o      pairOrder
	v      judge.PairVerdict
	cached bool
	err    error
}

// JudgePairs asks a VLM which picture of each pair of a pair queue is better (loupe's pairwise rubric,
// judge.BuiltinPairs, for the dimension and the pair's track), in both orders or in the queue's, and
// stores every answer as it arrives: a killed run resumes where it stopped, as only the orders this
// rater has not answered are asked. An unreadable answer is stored with no pick and its error. Answers
// are cached by the content address of their request like the single-image judge's. The run is recorded
// (kind judge, settings with pairs=true); cancelling ctx stops it, keeps what is stored and records it
// as cancelled. The error is about the setup and the run record; what stopped the run is in the report.
func (w *Workspace) JudgePairs(ctx context.Context, r JudgePairsRequest) (*JudgePairsReport, error) {
	start := time.Now()
	switch r.Dimension {
	case "":
		r.Dimension = "alignment"
	case "alignment", "aesthetics":
	default:
		return nil, fmt.Errorf("dimension %q: want alignment or aesthetics", r.Dimension)
	}
	switch r.Orders {
	case "":
		r.Orders = PairOrdersBoth
	case PairOrdersBoth, PairOrdersAB:
	default:
		return nil, fmt.Errorf("orders %q: want %s or %s", r.Orders, PairOrdersBoth, PairOrdersAB)
	}
	if r.Limit < 0 {
		return nil, fmt.Errorf("limit %d: want 0 (every pair) or more", r.Limit)
	}
	if r.Backend == nil {
		return nil, errors.New("the pairwise judge needs a backend")
	}
	if r.Backend.Offline() {
		return nil, fmt.Errorf("backend %q is an offline judge (%s): the pairwise judge needs a VLM backend", r.Backend.Name, r.Backend.Kind)
	}
	b := *r.Backend
	if r.Concurrency > 0 {
		b.Concurrency = r.Concurrency
	}
	pq, err := w.st.PairQueueInfo(ctx, r.Queue)
	if err != nil {
		return nil, err
	}
	pairs, err := w.st.Pairs(ctx, pq)
	if err != nil {
		return nil, err
	}
	set := judge.BuiltinPairs()
	rater, setHash := JudgePairsRater(&b, set)
	rep := &JudgePairsReport{Backend: b.Name, Rater: rater, Queue: pq.Name, Dimension: r.Dimension, Orders: r.Orders,
		Pairs: len(pairs), Status: "done"}
	have, err := w.pairAnswers(ctx, pq, rater, r.Dimension)
	if err != nil {
		return nil, err
	}
	var jobs []*pairJob
	for _, p := range pairs {
		ords := ordersOf(p)
		want := ords[:]
		if r.Orders == PairOrdersAB {
			want = ords[1:] // the queue's order: its left picture first
			if p.ALeft {
				want = ords[:1]
			}
		}
		j := &pairJob{pair: p}
		for _, o := range want {
			pick, ok := have[[2]int64{o.first, o.second}]
			if ok && !r.Redo && !(r.RetryUnreadable && pick == "") {
				rep.AlreadyDone++
				continue
			}
			j.orders = append(j.orders, o)
		}
		if len(j.orders) == 0 {
			continue
		}
		if r.Limit > 0 && len(jobs) >= r.Limit {
			continue // past the limit: left for the next run
		}
		jobs = append(jobs, j)
		rep.Asked += len(j.orders)
	}
	rep.Open = len(jobs)
	if len(jobs) > 0 {
		if err := w.runPairJobs(ctx, r, &b, set, setHash, jobs, rep); err != nil {
			return rep, err
		}
	}
	if rep.Bias, err = w.JudgePairsBias(context.WithoutCancel(ctx), pq.Name, rater, r.Dimension); err != nil {
		return rep, err
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// pairAnswers is the rater's stored answers on the queue's pairs for the dimension, by (first, second)
// item: the pick, "" when unreadable.
func (w *Workspace) pairAnswers(ctx context.Context, pq store.PairQueue, rater, dimension string) (map[[2]int64]string, error) {
	vs, err := w.st.PairVerdicts(ctx, pq, dimension)
	if err != nil {
		return nil, err
	}
	have := map[[2]int64]string{}
	for _, v := range vs {
		if v.Rater == rater {
			have[[2]int64{v.First, v.Second}] = v.Pick
		}
	}
	return have, nil
}

// JudgePairsBias sums up the answers the named rater stored on a pair queue's pairs for a dimension
// (alignment or aesthetics): picks by position, and the pairs answered in both orders combined.
func (w *Workspace) JudgePairsBias(ctx context.Context, queue, rater, dimension string) (JudgePairsBias, error) {
	var s JudgePairsBias
	pq, err := w.st.PairQueueInfo(ctx, queue)
	if err != nil {
		return s, err
	}
	pairs, err := w.st.Pairs(ctx, pq)
	if err != nil {
		return s, err
	}
	have, err := w.pairAnswers(ctx, pq, rater, dimension)
	if err != nil {
		return s, err
	}
	for _, p := range pairs {
		ords := ordersOf(p)
		var reqs [2]judge.PairRequest
		var vs [2]judge.PairVerdict
		both := 0
		for i, o := range ords {
			pick, ok := have[[2]int64{o.first, o.second}]
			if !ok {
				continue
			}
			switch pick {
			case "first":
				s.FirstPicks++
			case "second":
				s.SecondPicks++
			case "tie":
				s.Ties++
			default:
				s.Unreadable++
				continue
			}
			s.Answers++
			reqs[i], vs[i] = judge.PairRequest{Order: o.order}, judge.PairVerdict{Pick: judgePick(pick)}
			both++
		}
		if both < 2 {
			continue
		}
		out, err := judge.CombineOrders(reqs, vs)
		if err != nil {
			return s, fmt.Errorf("pair %d of %q: %w", p.Pos, queue, err)
		}
		s.Pairs++
		switch out {
		case judge.OutcomeA, judge.OutcomeB:
			s.Consistent++
		case judge.OutcomeTie:
			s.Tied++
		case judge.OutcomeInconsistent:
			s.Flips++
		}
	}
	if n := s.FirstPicks + s.SecondPicks; n > 0 {
		s.FirstShare = float64(s.FirstPicks) / float64(n)
	}
	return s, nil
}

// buildPair reads a pair's pictures and prepares both orders' requests.
func (w *Workspace) buildPair(ctx context.Context, b *vlm.Backend, set judge.PairRubricSet, dimension string, p review.Pair) ([2]judge.PairRequest, error) {
	var out [2]judge.PairRequest
	rub, err := set.For(dimension, p.Track)
	if err != nil {
		return out, err
	}
	var imgs [2][]byte
	for i, side := range []review.PairSide{p.A, p.B} {
		c, err := w.Content(ctx, side.Item)
		if err != nil {
			return out, fmt.Errorf("item %d: %w", side.Item, err)
		}
		if imgs[i], err = c.Picture(); err != nil {
			return out, fmt.Errorf("picture of item %d: %w", side.Item, err)
		}
	}
	return judge.BuildPairBoth(b, rub, judge.Pair{Prompt: p.Prompt, ModelA: p.A.Model, ModelB: p.B.Model, ImageA: imgs[0], ImageB: imgs[1]})
}

// runPairJobs is the run sequence: start the run record, build the requests (builders, as many as
// there are CPUs), answer from the cache or send them (as many callers as the backend has workers),
// store every answer as it arrives (one goroutine), and finish the run record, also when stopped.
func (w *Workspace) runPairJobs(ctx context.Context, r JudgePairsRequest, b *vlm.Backend, set judge.PairRubricSet, setHash string,
	jobs []*pairJob, rep *JudgePairsReport) error {
	started := time.Now()
	client, err := vlm.NewClient(b, nil)
	if err != nil {
		return err
	}
	hard := r.Abandon
	if hard == nil {
		hard = ctx
	}
	settings := map[string]any{}
	for k, v := range r.Settings {
		settings[k] = v
	}
	for k, v := range map[string]any{"pairs": true, "queue": rep.Queue, "dimension": rep.Dimension, "orders": rep.Orders,
		"rubrics": set.Name, "limit": r.Limit, "redo": r.Redo, "retry_unreadable": r.RetryUnreadable} {
		settings[k] = v
	}
	sj, err := json.Marshal(settings)
	if err != nil {
		return fmt.Errorf("run settings: %w", err)
	}
	if rep.RunID, err = w.st.StartRun(ctx, "judge", b.Name, b.Model, string(sj), setHash); err != nil {
		return err
	}
	var cache judge.Cache = store.JudgeCache{S: w.st}
	if r.Redo || r.RetryUnreadable {
		cache = nil // asked again on purpose: a fresh answer
	}
	red := client.Redactor()
	workers := b.Workers()
	jobCh := make(chan *pairJob)
	asks := make(chan pairAsk, min(workers, 64))
	results := make(chan pairResult, workers)
	var halted atomic.Bool // a fatal call error or a storage error: nothing more is sent
	isFatal := func(err error) bool {
		var ce *vlm.CallError
		return errors.As(err, &ce) && ce.Fatal()
	}
	emit := func(res pairResult) {
		if res.err != nil && isFatal(res.err) {
			halted.Store(true)
		}
		results <- res
	}
	// builders: pictures read, requests prepared, answers found in the cache
	var bwg sync.WaitGroup
	for range max(1, min(workers, runtime.GOMAXPROCS(0))) {
		bwg.Add(1)
		go func() {
			defer bwg.Done()
			for j := range jobCh {
				if halted.Load() || ctx.Err() != nil {
					continue
				}
				reqs, err := w.buildPair(hard, b, set, rep.Dimension, j.pair)
				for _, o := range j.orders {
					switch {
					case err != nil && hard.Err() != nil:
						emit(pairResult{job: j, o: o, err: hard.Err()})
					case err != nil:
						// a picture that cannot be read or sent is this order's outcome, as for single verdicts
						emit(pairResult{job: j, o: o, v: judge.PairVerdict{Error: red.String("building the request: " + err.Error())}})
					default:
						req := reqs[0]
						if o.order == judge.OrderBA {
							req = reqs[1]
						}
						if cache != nil {
							body, ok, cerr := cache.Get(hard, req.P.Key)
							if cerr != nil {
								emit(pairResult{job: j, o: o, err: cerr})
								continue
							}
							if ok {
								v := judge.InterpretPair(client.RedactBody(body))
								v.Justification, v.Raw, v.Error, v.Key = red.String(v.Justification), red.String(v.Raw), red.String(v.Error), req.P.Key
								emit(pairResult{job: j, o: o, v: v, cached: true})
								continue
							}
						}
						asks <- pairAsk{job: j, o: o, req: req}
					}
				}
			}
		}()
	}
	go func() { bwg.Wait(); close(asks) }()
	// callers
	var cwg sync.WaitGroup
	for range workers {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for a := range asks {
				if halted.Load() || ctx.Err() != nil {
					continue // built but never sent: it stays open
				}
				v, err := judge.SendPair(hard, client, a.req.P)
				emit(pairResult{job: a.job, o: a.o, v: v, err: err})
			}
		}()
	}
	// dispatcher
	go func() {
		defer close(jobCh)
		for _, j := range jobs {
			if halted.Load() {
				return
			}
			select {
			case jobCh <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { cwg.Wait(); close(results) }()

	pin, pout, _ := b.Prices()
	left := map[*pairJob]int{}
	failedJob := map[*pairJob]bool{}
	for _, j := range jobs {
		left[j] = len(j.orders)
	}
	var p judge.Progress
	p.Total = rep.Asked
	var storeErr, fatalErr error
	for res := range results {
		p.Done++
		switch {
		case res.err != nil:
			rep.Errors++
			rep.LastError = res.err.Error()
			failedJob[res.job] = true
			if isFatal(res.err) && fatalErr == nil {
				fatalErr = res.err
			}
		case storeErr != nil:
			failedJob[res.job] = true // not stored: it stays open
		default:
			v := res.v
			pv := store.PairVerdict{First: res.o.first, Second: res.o.second, Rater: rep.Rater, Model: b.Model, RubricVersion: setHash,
				Dimension: rep.Dimension, Pick: storePick(v.Pick), Justification: v.Justification, Raw: v.Raw, Error: v.Error, RunID: rep.RunID}
			if pv.Pick == "" && pv.Error == "" {
				pv.Error = "no pick"
			}
			err := w.st.SavePairVerdicts(hard, []store.PairVerdict{pv})
			if err == nil && !res.cached && v.Response != nil && v.Key != "" {
				err = store.CacheResponse(hard, w.st.DB, v.Key, b.Name, b.Model, v.Response, v.InputTokens, v.OutputTokens)
			}
			if err != nil {
				storeErr = fmt.Errorf("storing the answer on items %d, %d: %w", pv.First, pv.Second, err)
				halted.Store(true)
				failedJob[res.job] = true
				break
			}
			if res.o.order == judge.OrderAB {
				rep.AnswersAB++
			} else {
				rep.AnswersBA++
			}
			if pv.Pick == "" {
				rep.Unreadable++
				p.Failed++
			} else {
				p.Verdicts++
			}
			if res.cached {
				rep.Cached++
				p.Cached++
			} else {
				rep.InputTokens += v.InputTokens
				rep.OutputTokens += v.OutputTokens
				rep.CostUSD += (float64(v.InputTokens)*pin + float64(v.OutputTokens)*pout) / 1e6
			}
		}
		if left[res.job]--; left[res.job] == 0 && !failedJob[res.job] {
			rep.Judged++
		}
		p.Errors, p.LastError = rep.Errors, rep.LastError
		p.InputTokens, p.OutputTokens, p.Cost = rep.InputTokens, rep.OutputTokens, rep.CostUSD
		p.Elapsed = time.Since(started)
		if p.Elapsed >= time.Second && p.Done > 0 {
			p.Rate = float64(p.Done) / p.Elapsed.Seconds()
			p.ETA = time.Duration(float64(p.Total-p.Done) / p.Rate * float64(time.Second))
		}
		p.Stopping = ctx.Err() != nil
		if r.OnProgress != nil {
			r.OnProgress(p)
		}
	}
	rep.Requests, rep.Retries = client.Calls.Load(), client.Retries.Load()
	stopped := p.Done < p.Total || rep.Errors > 0
	switch {
	case r.Abandon != nil && r.Abandon.Err() != nil:
		rep.Status, rep.Err = "interrupted", r.Abandon.Err()
	case storeErr != nil:
		rep.Status, rep.Err = "failed", storeErr
	case fatalErr != nil:
		rep.Status, rep.Err = "failed", fatalErr
	case ctx.Err() != nil && stopped:
		rep.Status, rep.Err = "cancelled", ctx.Err()
	}
	// the record of the run is written even when it was stopped
	return w.st.FinishRun(context.WithoutCancel(ctx), rep.RunID, rep.Status, store.RunTotals{Requests: int(rep.Requests),
		Cached: rep.Cached, Verdicts: rep.AnswersAB + rep.AnswersBA - rep.Unreadable, Failed: rep.Unreadable,
		InputTokens: rep.InputTokens, OutputTokens: rep.OutputTokens, CostUSD: rep.CostUSD})
}
