package workspace

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// PaceWindow is how far back from an annotator's latest decision their pace looks.
const PaceWindow = time.Hour

// PaceGap is the longest pause between two decisions that counts as active time in full; a longer
// pause counts as PaceGap (a break is not work time).
const PaceGap = 5 * time.Minute

// Progress is a team progress report: per annotator, per queue, and the leases held now.
type Progress struct {
	Queue      string                `json:"queue"` // the queue it covers; "" for the whole workspace
	Now        time.Time             `json:"now"`
	Day        string                `json:"day"` // the UTC day "today" counts (YYYY-MM-DD)
	Annotators []AnnotatorProgress   `json:"annotators"`
	Pairs      []PairAgreement       `json:"pairs"`
	Queues     []store.ProgressQueue `json:"queues"`
	Leases     []store.ProgressLease `json:"leases"`
}

// AnnotatorProgress is one annotator's figures. Decisions are those in force (accept or reject, the
// latest not undone per item), timed by the event that gave them.
type AnnotatorProgress struct {
	Name         string `json:"name"`
	DecidedToday int    `json:"decided_today"` // decisions given on the report's UTC day
	Decided      int    `json:"decided"`
	// LastDecision is when the latest decision was given (nil: none).
	LastDecision *time.Time `json:"last_decision"`
	// PacePerHour: the decisions given in the PaceWindow up to LastDecision, per hour of active time among
	// them (the pauses between consecutive ones, each at most PaceGap, in all at least one minute).
	PacePerHour float64 `json:"pace_per_hour"`
	// JudgeDecisions: decisions with a judge verdict on the item's decision dimension, and those equal to
	// the judges' majority (their mean rounded; a tie counts as a disagreement).
	JudgeDecisions Agreement `json:"judge_decisions"`
	// JudgeScores: score values with a judge value on the same item and dimension, and those within 1
	// of the judges' mean (as the review screen counts them).
	JudgeScores Agreement `json:"judge_scores"`
	// Others: this annotator's decisions on items another annotator also decided, pooled over every
	// other annotator, and how many of those pairs are the same decision.
	Others Agreement `json:"others"`
	Leases int       `json:"leases"` // leases held now
}

// Agreement is N compared values, Agree of them agreeing; Rate is Agree/N (nil when N is 0).
type Agreement struct {
	N     int      `json:"n"`
	Agree int      `json:"agree"`
	Rate  *float64 `json:"rate"`
}

func (a *Agreement) add(ok bool) {
	a.N++
	if ok {
		a.Agree++
	}
}

func (a *Agreement) rate() {
	if a.N > 0 {
		r := float64(a.Agree) / float64(a.N)
		a.Rate = &r
	}
}

// PairAgreement is two annotators' agreement on the items both rated: Decisions exact, Scores within 1.
type PairAgreement struct {
	A         string    `json:"a"`
	B         string    `json:"b"`
	Decisions Agreement `json:"decisions"`
	Scores    Agreement `json:"scores"`
}

// Progress reports the team's progress at now on the named queue ("" for the whole workspace: every
// queue, and every human value): per annotator decided today (UTC) and in all, pace, agreement with the
// judges and with each other; per queue its items, done and left by its overlap; the leases held now.
// An unknown queue is an error wrapping store.ErrNotFound. It only reads.
func (w *Workspace) Progress(ctx context.Context, queue string, now time.Time) (*Progress, error) {
	now = now.UTC()
	p := &Progress{Queue: queue, Now: now, Day: now.Format(time.DateOnly),
		Annotators: []AnnotatorProgress{}, Pairs: []PairAgreement{}}
	var err error
	if p.Queues, err = w.st.ProgressQueues(ctx, queue); err != nil {
		return nil, err
	}
	if p.Leases, err = w.st.ProgressLeases(ctx, queue, now.Unix()); err != nil {
		return nil, err
	}
	decisions, err := w.st.ProgressDecisions(ctx, queue)
	if err != nil {
		return nil, err
	}
	values, err := w.st.ProgressValues(ctx, queue)
	if err != nil {
		return nil, err
	}

	byName := map[string]*AnnotatorProgress{}
	get := func(name string) *AnnotatorProgress {
		if a, ok := byName[name]; ok {
			return a
		}
		a := &AnnotatorProgress{Name: name}
		byName[name] = a
		return a
	}
	times := map[string][]time.Time{}
	for _, d := range decisions {
		a := get(d.Annotator)
		a.Decided++
		at, ok := parseEventTime(d.At)
		if !ok {
			continue
		}
		if at.Format(time.DateOnly) == p.Day {
			a.DecidedToday++
		}
		times[d.Annotator] = append(times[d.Annotator], at)
	}
	for name, ts := range times {
		slices.SortFunc(ts, func(x, y time.Time) int { return x.Compare(y) })
		last := ts[len(ts)-1]
		a := byName[name]
		a.LastDecision = &last
		a.PacePerHour = pace(ts)
	}
	for _, l := range p.Leases {
		get(l.Annotator).Leases++
	}

	pairs := map[[2]string]*PairAgreement{}
	for i := 0; i < len(values); {
		j := i
		for j < len(values) && values[j].Item == values[i].Item && values[j].Dimension == values[i].Dimension {
			j++
		}
		group := values[i:j] // one item and dimension, by annotator name
		decision := values[i].Dimension == review.DecisionDimension
		for k, v := range group {
			a := get(v.Annotator)
			if v.Judge != nil {
				if decision {
					a.JudgeDecisions.add(sameDecision(v.Value, *v.Judge))
				} else {
					a.JudgeScores.add(math.Abs(v.Value-*v.Judge) <= 1)
				}
			}
			for _, o := range group[k+1:] {
				key := [2]string{v.Annotator, o.Annotator}
				pa := pairs[key]
				if pa == nil {
					pa = &PairAgreement{A: key[0], B: key[1]}
					pairs[key] = pa
				}
				if decision {
					same := sameDecision(v.Value, o.Value)
					pa.Decisions.add(same)
					a.Others.add(same)
					get(o.Annotator).Others.add(same)
				} else {
					pa.Scores.add(math.Abs(v.Value-o.Value) <= 1)
				}
			}
		}
		i = j
	}

	for _, a := range byName {
		a.JudgeDecisions.rate()
		a.JudgeScores.rate()
		a.Others.rate()
		p.Annotators = append(p.Annotators, *a)
	}
	slices.SortFunc(p.Annotators, func(x, y AnnotatorProgress) int { return cmp.Compare(x.Name, y.Name) })
	for _, pa := range pairs {
		pa.Decisions.rate()
		pa.Scores.rate()
		p.Pairs = append(p.Pairs, *pa)
	}
	slices.SortFunc(p.Pairs, func(x, y PairAgreement) int {
		if c := cmp.Compare(x.A, y.A); c != 0 {
			return c
		}
		return cmp.Compare(x.B, y.B)
	})
	return p, nil
}

// sameDecision reports whether a decision (1 accept, 0 reject) equals another decision or the judges'
// majority (a mean of 0/1 verdicts: above one half is accept, below is reject, one half is no majority).
func sameDecision(v, other float64) bool {
	switch {
	case other > 0.5:
		return v > 0.5
	case other < 0.5:
		return v < 0.5
	}
	return false
}

// pace is the decisions per hour over the PaceWindow up to the latest of ts (sorted): their count divided
// by the active time among them, each pause between consecutive decisions counted up to PaceGap, and the
// active time at least one minute.
func pace(ts []time.Time) float64 {
	if len(ts) == 0 {
		return 0
	}
	last := ts[len(ts)-1]
	from := len(ts) - 1
	for from > 0 && last.Sub(ts[from-1]) <= PaceWindow {
		from--
	}
	var active time.Duration
	for i := from + 1; i < len(ts); i++ {
		active += min(ts[i].Sub(ts[i-1]), PaceGap)
	}
	active = max(active, time.Minute)
	return float64(len(ts)-from) / active.Hours()
}

// parseEventTime reads an event's created_at (UTC, as SQLite's strftime or AppendEvent writes it).
func parseEventTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05.000Z", time.RFC3339Nano, "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
