package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/loupe-dev/loupe/prismbench"
	"github.com/loupe-dev/loupe/store"
	"github.com/spf13/cobra"
)

type benchAuditOpts struct {
	name      string
	n         int
	seed      uint64
	report    bool
	lang      string
	judge     string
	resamples int
}

func newBenchAuditCmd(g *globals) *cobra.Command {
	o := &benchAuditOpts{}
	cmd := &cobra.Command{
		Use:   "audit [--name QUEUE --n N] | --report",
		Short: "Audit the judges' verdicts with people, then the human-audited leaderboard",
		Long: `Without --report: make a review queue of benchmark images, stratified by track and weighted towards the
images the judges disagree on (half of each track's share), the rest drawn at random; review it with
loupe review --queue NAME, scoring prism_alignment (and aesthetics if you wish).

With --report: the human-audited leaderboard. Each model's track scores are recomputed with a judge's
verdicts replaced by the humans' scores where an image was reviewed, and elsewhere corrected by the
judge's bias on that track (its mean minus the humans' on the reviewed images of every model); bootstrap
CIs over prompts; and the ranking compared with the judge's own: which models move, and which pairs are
no longer separable (the CI of their difference includes 0).`,
		Example: `  loupe bench audit --name prism-human --n 70
  loupe review --queue prism-human
  loupe bench audit --report --judge gpt-4.1`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runBenchAudit(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.name, "name", "prism-human-audit", "name of the audit queue")
	f.IntVar(&o.n, "n", 70, "images in the audit queue")
	f.Uint64Var(&o.seed, "seed", 1, "random seed of the draw and the bootstrap")
	f.BoolVar(&o.report, "report", false, "print the human-audited leaderboard")
	f.StringVar(&o.lang, "lang", "en", "language of the leaderboard")
	f.StringVar(&o.judge, "judge", "", "the judge whose leaderboard is audited (default: the one with most verdicts)")
	f.IntVar(&o.resamples, "resamples", 1000, "bootstrap resamples")
	return cmd
}

func runBenchAudit(ctx context.Context, g *globals, o *benchAuditOpts) error {
	st, err := g.openExisting(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	_, raw, _, err := benchData(ctx, st, o.lang, "")
	if err != nil {
		return err
	}
	if len(raw) == 0 {
		return errors.New("no PRISM-Bench verdicts to audit (loupe bench run first)")
	}
	if !o.report {
		cands := auditSample(raw, o.n, o.seed)
		if _, err := st.CreateQueue(ctx, store.QueueSpec{Name: o.name, Strategy: "audit", Seed: o.seed,
			Params: []byte(fmt.Sprintf(`{"n":%d,"weighted":"judge disagreement","lang":%q}`, o.n, o.lang))}, cands); err != nil {
			return err
		}
		if g.json {
			return g.printJSON(map[string]any{"queue": o.name, "items": len(cands)})
		}
		fmt.Fprintf(g.out, "audit queue %s: %s, stratified by track, half of each track the judges' widest disagreements\n", Clean(o.name), plural(len(cands), "image"))
		fmt.Fprintf(g.out, "review it: loupe review --queue %s (score prism_alignment with the digits), then: loupe bench audit --report\n", Clean(o.name))
		return nil
	}
	humans, err := st.BenchHumanScores(ctx)
	if err != nil {
		return err
	}
	judge := o.judge
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
	res := auditLeaderboard(raw, humans, judge, o.resamples, o.seed)
	if g.json {
		return g.printJSON(res)
	}
	fmt.Fprintf(g.out, "human-audited leaderboard (%s, judge %s): %s reviewed of %d judged\n", o.lang, Clean(judge), plural(res.Reviewed, "image"), res.Judged)
	t := &table{head: []string{"model", "judge overall", "rank", "audited overall", "95% CI", "rank", "change"}}
	for _, m := range res.Models {
		change := "="
		if m.AuditedRank != m.JudgeRank {
			change = fmt.Sprintf("%+d", m.JudgeRank-m.AuditedRank)
		}
		t.rows = append(t.rows, []string{Clean(m.Model), fmt.Sprintf("%.1f", m.Judge), fmt.Sprint(m.JudgeRank), fmt.Sprintf("%.1f", m.Audited),
			fmt.Sprintf("[%.1f, %.1f]", m.Lo, m.Hi), fmt.Sprint(m.AuditedRank), change})
	}
	t.print(g.out, false)
	fmt.Fprintln(g.out, "track bias of the judge (judge - humans, on reviewed images, 0-10):")
	for _, tr := range prismbench.Tracks {
		if b, ok := res.Bias[tr]; ok {
			fmt.Fprintf(g.out, "  %-15s %+.2f (n=%d)\n", tr, b.Bias, b.N)
		}
	}
	if len(res.NotSeparable) > 0 {
		fmt.Fprintln(g.out, "no longer separable after audit (the 95% CI of the difference includes 0):")
		for _, p := range res.NotSeparable {
			fmt.Fprintf(g.out, "  %s\n", Clean(p))
		}
	}
	return nil
}

// auditResult is the human-audited leaderboard.
type auditResult struct {
	Judge        string               `json:"judge"`
	Judged       int                  `json:"images_judged"`
	Reviewed     int                  `json:"images_reviewed"`
	Models       []auditModel         `json:"models"`
	Bias         map[string]auditBias `json:"bias_by_track"`
	NotSeparable []string             `json:"not_separable"`
}

type auditModel struct {
	Model       string  `json:"model"`
	Judge       float64 `json:"judge_overall"`
	JudgeRank   int     `json:"judge_rank"`
	Audited     float64 `json:"audited_overall"`
	Lo          float64 `json:"ci_lo"`
	Hi          float64 `json:"ci_hi"`
	AuditedRank int     `json:"audited_rank"`
}

type auditBias struct {
	Bias float64 `json:"bias"`
	N    int     `json:"n"`
}

// auditLeaderboard recomputes each model's overall score (pooled alignment and aesthetics, x10) with
// human scores where reviewed and bias-corrected judge verdicts elsewhere, bootstraps prompts for CIs
// and checks which model pairs stay separable.
func auditLeaderboard(raw []store.BenchVerdict, humans map[int64]map[string]float64, judge string, resamples int, seed uint64) auditResult {
	res := auditResult{Judge: judge, Bias: map[string]auditBias{}}
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
			res.Bias[t] = auditBias{Bias: biasSum[t+"/alignment"] / float64(n), N: n}
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
		res.Models = append(res.Models, auditModel{Model: m, Judge: score(m, prompts, false), Audited: score(m, prompts, true),
			Lo: quant(boots[m], 0.025), Hi: quant(boots[m], 0.975)})
	}
	rank := func(get func(auditModel) float64, set func(*auditModel, int)) {
		idx := make([]int, len(res.Models))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return get(res.Models[idx[a]]) > get(res.Models[idx[b]]) })
		for r, i := range idx {
			set(&res.Models[i], r+1)
		}
	}
	rank(func(m auditModel) float64 { return m.Judge }, func(m *auditModel, r int) { m.JudgeRank = r })
	rank(func(m auditModel) float64 { return m.Audited }, func(m *auditModel, r int) { m.AuditedRank = r })
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
