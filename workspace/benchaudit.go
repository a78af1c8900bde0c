package workspace

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/loupe-dev/loupe/prismbench"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// ErrNoBenchVerdicts is returned by the audit use cases when the workspace holds no PRISM-Bench verdict.
var ErrNoBenchVerdicts = errors.New("no PRISM-Bench verdicts to audit (loupe bench run first)")

// BenchReport is the leaderboard of the workspace's PRISM-Bench verdicts (only lang and judges whose
// rater name contains judge, when not empty), with the published tables (CSV files whose names give the
// judge and language, e.g. prism_bench_en_gpt41.csv) beside, and per-image judge comparisons.
func (w *Workspace) BenchReport(ctx context.Context, lang, judge string, published []string, extract bool) ([]prismbench.Row, []prismbench.JudgeComparison, error) {
	vs, _, expected, err := benchData(ctx, w.st, lang, judge, extract)
	if err != nil {
		return nil, nil, err
	}
	rows := prismbench.Aggregate(vs, expected)
	for _, p := range published {
		base := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		lang, judge := "en", base
		for _, l := range []string{"en", "zh"} {
			if strings.Contains(base, "_"+l+"_") {
				lang = l
				judge = base[strings.Index(base, "_"+l+"_")+4:]
			}
		}
		pub, err := prismbench.ReadPublished(p, judge, lang)
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, pub...)
	}
	return rows, prismbench.CompareJudgesPerImage(rows, vs), nil
}

// BenchAuditQueue makes the audit queue name of n images in lang (auditSample) and returns how many it
// holds.
func (w *Workspace) BenchAuditQueue(ctx context.Context, name, lang string, n int, seed uint64) (int, error) {
	_, raw, _, err := benchData(ctx, w.st, lang, "", false)
	if err != nil {
		return 0, err
	}
	if len(raw) == 0 {
		return 0, ErrNoBenchVerdicts
	}
	cands := auditSample(raw, n, seed)
	if _, err := w.st.CreateQueue(ctx, store.QueueSpec{Name: name, Strategy: "audit", Seed: seed,
		Params: []byte(fmt.Sprintf(`{"n":%d,"weighted":"judge disagreement","lang":%q}`, n, lang))}, cands); err != nil {
		return 0, err
	}
	return len(cands), nil
}

// BenchAudit is the human-audited leaderboard of lang for the judge whose rater name contains judge
// (empty: the judge with most verdicts), with resamples bootstrap resamples over prompts.
func (w *Workspace) BenchAudit(ctx context.Context, lang, judge string, resamples int, seed uint64) (*AuditResult, error) {
	_, raw, _, err := benchData(ctx, w.st, lang, "", false)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, ErrNoBenchVerdicts
	}
	humans, err := w.st.BenchHumanScores(ctx)
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, v := range raw {
		count[v.Judge]++
	}
	if judge == "" {
		for j, n := range count {
			if n > count[judge] || (n == count[judge] && j < judge) {
				judge = j
			}
		}
	} else {
		for j := range count {
			if strings.Contains(j, judge) {
				judge = j
				break
			}
		}
	}
	res := auditLeaderboard(raw, humans, judge, resamples, seed)
	return &res, nil
}

// benchData loads the verdicts as prismbench sees them.
// Judges that read their answers with --parse extract (their rater says "parse=extract") are left out
// unless extract: the official numbers are the official parse's.
func benchData(ctx context.Context, st *store.Store, lang, judgeFilter string, extract bool) ([]prismbench.Verdict, []store.BenchVerdict, int, error) {
	bv, err := st.BenchVerdicts(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	var vs []prismbench.Verdict
	var kept []store.BenchVerdict
	for _, v := range bv {
		if (lang != "" && v.Lang != lang) || (judgeFilter != "" && !strings.Contains(v.Judge, judgeFilter)) ||
			(!extract && strings.Contains(v.Judge, "parse=extract")) {
			continue
		}
		kept = append(kept, v)
		vs = append(vs, prismbench.Verdict{Model: v.Model, Judge: v.Judge, Lang: v.Lang, Track: v.Track, Index: v.Index, Kind: v.Kind, Score: v.Value})
	}
	expected := 0
	for _, l := range []string{"en", "zh"} {
		if lang != "" && l != lang {
			continue
		}
		counts, err := st.BenchPromptCounts(ctx, l)
		if err != nil {
			return nil, nil, 0, err
		}
		for _, n := range counts {
			expected = max(expected, n)
		}
	}
	return vs, kept, expected, nil
}

// AuditResult is the human-audited leaderboard.
type AuditResult struct {
	Judge        string               `json:"judge"`
	Judged       int                  `json:"images_judged"`
	Reviewed     int                  `json:"images_reviewed"`
	Models       []AuditModel         `json:"models"`
	Bias         map[string]AuditBias `json:"bias_by_track"`
	NotSeparable []string             `json:"not_separable"`
}

// AuditModel is one model's row of the audited leaderboard.
type AuditModel struct {
	Model       string  `json:"model"`
	Judge       float64 `json:"judge_overall"`
	JudgeRank   int     `json:"judge_rank"`
	Audited     float64 `json:"audited_overall"`
	Lo          float64 `json:"ci_lo"`
	Hi          float64 `json:"ci_hi"`
	AuditedRank int     `json:"audited_rank"`
}

// AuditBias is a judge's mean difference from the humans on one track's reviewed images.
type AuditBias struct {
	Bias float64 `json:"bias"`
	N    int     `json:"n"`
}

// auditLeaderboard recomputes each model's overall score (pooled alignment and aesthetics, x10) with
// human scores where reviewed and bias-corrected judge verdicts elsewhere, bootstraps prompts for CIs
// and checks which model pairs stay separable.
func auditLeaderboard(raw []store.BenchVerdict, humans map[int64]map[string]float64, judge string, resamples int, seed uint64) AuditResult {
	res := AuditResult{Judge: judge, Bias: map[string]AuditBias{}}
	type cell struct{ judge, audited float64 }
	// prompt key -> model -> verdicts
	type pkey struct {
		track string
		idx   int
	}
	byModel := map[string]map[pkey][]cell{}
	biasSum := map[string]float64{}
	biasN := map[string]int{}
	images := map[int64]bool{}
	for _, v := range raw {
		if v.Judge != judge || v.Value == nil {
			continue
		}
		images[v.ItemID] = true
		if h, ok := humans[v.ItemID][v.Kind]; ok {
			biasSum[v.Track+"/"+v.Kind] += *v.Value - h
			biasN[v.Track+"/"+v.Kind]++
		}
	}
	reviewed := map[int64]bool{}
	for _, v := range raw {
		if v.Judge != judge || v.Value == nil {
			continue
		}
		a := *v.Value
		if h, ok := humans[v.ItemID][v.Kind]; ok {
			a = h
			reviewed[v.ItemID] = true
		} else if n := biasN[v.Track+"/"+v.Kind]; n > 0 {
			a = math.Max(0, math.Min(10, a-biasSum[v.Track+"/"+v.Kind]/float64(n)))
		}
		if byModel[v.Model] == nil {
			byModel[v.Model] = map[pkey][]cell{}
		}
		k := pkey{v.Track, v.Index}
		byModel[v.Model][k] = append(byModel[v.Model][k], cell{*v.Value, a})
	}
	res.Judged, res.Reviewed = len(images), len(reviewed)
	for _, t := range prismbench.Tracks {
		if n := biasN[t+"/alignment"]; n > 0 {
			res.Bias[t] = AuditBias{Bias: biasSum[t+"/alignment"] / float64(n), N: n}
		}
	}
	var models []string
	keys := map[pkey]bool{}
	for m, ps := range byModel {
		models = append(models, m)
		for k := range ps {
			keys[k] = true
		}
	}
	sort.Strings(models)
	var prompts []pkey
	for k := range keys {
		prompts = append(prompts, k)
	}
	sort.Slice(prompts, func(i, j int) bool {
		if prompts[i].track != prompts[j].track {
			return prompts[i].track < prompts[j].track
		}
		return prompts[i].idx < prompts[j].idx
	})
	score := func(m string, sample []pkey, audited bool) float64 {
		sum, n := 0.0, 0
		for _, k := range sample {
			for _, c := range byModel[m][k] {
				if audited {
					sum += c.audited
				} else {
					sum += c.judge
				}
				n++
			}
		}
		if n == 0 {
			return math.NaN()
		}
		return math.Round(sum/float64(n)*100) / 10
	}
	// bootstrap prompts (the same resample for every model, so differences are paired)
	rng := rand.New(rand.NewPCG(seed, 11))
	boots := map[string][]float64{}
	sample := make([]pkey, len(prompts))
	for range resamples {
		for i := range sample {
			sample[i] = prompts[rng.IntN(len(prompts))]
		}
		for _, m := range models {
			boots[m] = append(boots[m], score(m, sample, true))
		}
	}
	quant := func(xs []float64, p float64) float64 {
		s := slices.Clone(xs)
		s = slices.DeleteFunc(s, math.IsNaN)
		if len(s) == 0 {
			return math.NaN()
		}
		slices.Sort(s)
		h := float64(len(s)-1) * p
		lo := int(math.Floor(h))
		if lo >= len(s)-1 {
			return s[len(s)-1]
		}
		return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
	}
	for _, m := range models {
		res.Models = append(res.Models, AuditModel{Model: m, Judge: score(m, prompts, false), Audited: score(m, prompts, true),
			Lo: quant(boots[m], 0.025), Hi: quant(boots[m], 0.975)})
	}
	rank := func(get func(AuditModel) float64, set func(*AuditModel, int)) {
		idx := make([]int, len(res.Models))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return get(res.Models[idx[a]]) > get(res.Models[idx[b]]) })
		for r, i := range idx {
			set(&res.Models[i], r+1)
		}
	}
	rank(func(m AuditModel) float64 { return m.Judge }, func(m *AuditModel, r int) { m.JudgeRank = r })
	rank(func(m AuditModel) float64 { return m.Audited }, func(m *AuditModel, r int) { m.AuditedRank = r })
	sort.Slice(res.Models, func(a, b int) bool { return res.Models[a].AuditedRank < res.Models[b].AuditedRank })
	for i, a := range res.Models {
		for _, b := range res.Models[i+1:] {
			d := make([]float64, len(boots[a.Model]))
			for k := range d {
				d[k] = boots[a.Model][k] - boots[b.Model][k]
			}
			lo, hi := quant(d, 0.025), quant(d, 0.975)
			if lo <= 0 && hi >= 0 {
				res.NotSeparable = append(res.NotSeparable, fmt.Sprintf("%s vs %s: difference %.1f, 95%% CI [%.1f, %.1f]", a.Model, b.Model, a.Audited-b.Audited, lo, hi))
			}
		}
	}
	return res
}

// auditSample draws the audit queue: per track, the generations the judges disagree on most (half),
// and a random draw of the rest (half), so the audit covers both the doubtful and the typical.
func auditSample(raw []store.BenchVerdict, n int, seed uint64) []review.Candidate {
	type it struct {
		id    int64
		track string
		vals  []float64
	}
	items := map[int64]*it{}
	for _, v := range raw {
		if v.Kind != "alignment" || v.Value == nil {
			continue
		}
		x := items[v.ItemID]
		if x == nil {
			x = &it{id: v.ItemID, track: v.Track}
			items[v.ItemID] = x
		}
		x.vals = append(x.vals, *v.Value)
	}
	byTrack := map[string][]*it{}
	for _, x := range items {
		byTrack[x.track] = append(byTrack[x.track], x)
	}
	spread := func(x *it) float64 {
		lo, hi := 10.0, 0.0
		for _, v := range x.vals {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		if len(x.vals) == 1 {
			return (5 - math.Abs(x.vals[0]-5)) / 10 // one judge: its middling, least decided scores first
		}
		return hi - lo
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	per := max(1, n/max(1, len(byTrack)))
	var out []review.Candidate
	tracks := make([]string, 0, len(byTrack))
	for t := range byTrack {
		tracks = append(tracks, t)
	}
	sort.Strings(tracks)
	for _, t := range tracks {
		xs := byTrack[t]
		sort.Slice(xs, func(i, j int) bool { return xs[i].id < xs[j].id })
		rng.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		sort.SliceStable(xs, func(i, j int) bool { return spread(xs[i]) > spread(xs[j]) })
		top := min(len(xs), (per+1)/2)
		picked := append([]*it(nil), xs[:top]...)
		rest := append([]*it(nil), xs[top:]...)
		rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		picked = append(picked, rest[:min(len(rest), per-top)]...)
		for _, x := range picked {
			out = append(out, review.Candidate{ID: x.id, Stratum: t})
		}
	}
	return out
}
