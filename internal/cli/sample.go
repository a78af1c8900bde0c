package cli

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

type sampleOptions struct {
	name       string
	n          int
	strategy   string
	by         string
	bins       string
	allocation string
	seed       uint64
	seedSet    bool
	filter     review.Filter
	scores     []string
	guidelines string // a markdown file: the queue's guidelines
	blind      bool
	showOthers bool

	// --pairs: a pair queue of prompt-matched generations by two models
	pairs          bool
	nSet           bool
	models         []string
	design         string
	weight         string
	judge, other   string
	weightDim      string
	pairDimensions []string
	overlap        int
}

func newSampleCmd(g *globals) *cobra.Command {
	o := &sampleOptions{}
	cmd := &cobra.Command{
		Use:   "sample",
		Short: "Draw a reproducible random or stratified sample into a named review queue",
		Long: `Draw N items into a new review queue. Strategies:
  random      a simple random sample of the items that pass the filters
  stratified  --by subset | track | model | trait | score:<dimension> (with --bins), allocating N
              --allocation equal (the same from each stratum) or proportional (by stratum size)
The seed (printed, and stored with the queue) makes the sample reproducible.

With --pairs, the queue is of comparisons: two models' generations for one prompt, shown side by side
(loupe review --queue NAME opens the comparison screen). --models names the models (at least two);
--design balanced (default) has each pair of models meet about equally often, --design all takes every
pair of models on each prompt drawn; without --n every prompt-matched pair is taken. --weight close
(with --judge) draws pairs the judge scored close more often, --weight disagree (with --judge and
--other-judge) those two judges would rank differently. Sides are drawn at random per pair and recorded;
a pair queue is blind (no model names or judge values until a pair is answered).`,
		Example: `  loupe sample --name text-audit --n 200 --subset text --score clarity=8:
  loupe sample --name by-trait --n 600 --strategy stratified --by trait
  loupe sample --name bins --n 300 --strategy stratified --by score:text --bins 0-3,4-6,7-10 --seed 7
  loupe sample --pairs --name arena --models flux-dev,sd35 --track imagination --n 200 --seed 3
  loupe sample --pairs --name arena2 --models a,b,c --dimensions alignment,aesthetics --overlap 2`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.seedSet = cmd.Flags().Changed("seed")
			o.nSet = cmd.Flags().Changed("n")
			if o.pairs {
				return runSamplePairs(cmd, g, o)
			}
			return runSample(cmd, g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.name, "name", "", "queue name (required, unique)")
	f.IntVarP(&o.n, "n", "n", 100, "sample size")
	f.StringVar(&o.strategy, "strategy", "random", "random or stratified")
	f.StringVar(&o.by, "by", "", "stratify by: subset, track, model, trait or score:<dimension> (implies --strategy stratified)")
	f.StringVar(&o.bins, "bins", "", "score bins for --by score:<dim>, e.g. 0-3,4-6,7-10 (default: each value 0-10)")
	f.StringVar(&o.allocation, "allocation", "equal", "stratified allocation: equal or proportional")
	f.Uint64Var(&o.seed, "seed", 0, "random seed (default: from the clock, printed)")
	addFilterFlags(cmd, &o.filter, &o.scores)
	f.StringVar(&o.guidelines, "guidelines", "", "markdown file: the queue's guidelines, shown in the review screen (loupe queue guidelines replaces them)")
	f.BoolVar(&o.blind, "blind", false, "review the queue blind: judge and pipeline values hidden until the item is decided")
	f.BoolVar(&o.showOthers, "show-others", false, "with overlap, show other annotators' answers before one's own decision")
	f.BoolVar(&o.pairs, "pairs", false, "draw a pair queue: two models' generations per prompt, compared side by side")
	f.StringSliceVar(&o.models, "models", nil, "with --pairs: the models to compare (at least two)")
	f.StringVar(&o.design, "design", workspace.DesignBalanced, "with --pairs: balanced (model pairs meet equally often) or all (every model pair per prompt)")
	f.StringVar(&o.weight, "weight", "", "with --pairs: draw more of the pairs a judge scored close (close) or two judges disagree on (disagree)")
	f.StringVar(&o.judge, "judge", "", "with --weight: the judge rater whose scores weigh the pairs")
	f.StringVar(&o.other, "other-judge", "", "with --weight disagree: the second judge rater")
	f.StringVar(&o.weightDim, "weight-dimension", "prism_alignment", "with --weight: the judges' score dimension")
	f.StringSliceVar(&o.pairDimensions, "dimensions", nil, "with --pairs: what to ask per pair (default overall; e.g. alignment,aesthetics)")
	f.IntVar(&o.overlap, "overlap", 1, "with --pairs: how many people answer each pair")
	cmd.MarkFlagRequired("name")
	cmd.RegisterFlagCompletionFunc("strategy", cobra.FixedCompletions([]string{"random", "stratified"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("allocation", cobra.FixedCompletions([]string{"equal", "proportional"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("by", cobra.FixedCompletions([]string{"subset", "track", "model", "trait",
		"score:text", "score:clarity", "score:prism_alignment"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// addFilterFlags adds the item filter flags shared by commands that select items.
func addFilterFlags(cmd *cobra.Command, f *review.Filter, scores *[]string) {
	addItemFilterFlags(cmd, f, scores)
	cmd.Flags().StringVar(&f.Queue, "queue", "", "only items in this queue")
}

// addItemFilterFlags adds the filter flags on the items themselves (all but --queue), for commands
// that have their own --queue, like loupe review.
func addItemFilterFlags(cmd *cobra.Command, f *review.Filter, scores *[]string) {
	fl := cmd.Flags()
	fl.StringVar(&f.Kind, "kind", "", "only items of this kind: sample or generation")
	fl.StringSliceVar(&f.Subsets, "subset", nil, "only items of these subsets (repeatable)")
	fl.StringSliceVar(&f.Tracks, "track", nil, "only generations of these PRISM-Bench tracks")
	fl.StringSliceVar(&f.Models, "model", nil, "only generations of these models")
	fl.StringVar(&f.Lang, "lang", "", "only generations for prompts in this language (en or zh)")
	fl.StringVar(&f.HasCaption, "has-caption", "", "only items with a caption of this kind (e.g. text)")
	fl.StringArrayVar(scores, "score", nil, "score range DIMENSION=MIN:MAX, e.g. text=7:10 or clarity=8: (repeatable)")
}

// parseScores parses --score ranges into f. Scores run from 0 to 10: a bound outside that range is a
// usage error rather than a filter that silently selects nothing.
func parseScores(f *review.Filter, scores []string) error {
	for _, s := range scores {
		r, err := review.ParseScoreRange(s)
		if err != nil {
			return usageError{err}
		}
		if r.Min < 0 || r.Max > 10 {
			return usageError{fmt.Errorf("score range %q: scores run from 0 to 10", s)}
		}
		f.Scores = append(f.Scores, r)
	}
	return nil
}

// sampleResult is what `loupe sample --json` prints.
type sampleResult struct {
	Queue    string         `json:"queue"`
	Strategy string         `json:"strategy"`
	Seed     uint64         `json:"seed"`
	Size     int            `json:"size"`
	Strata   map[string]int `json:"strata,omitempty"`
	Millis   float64        `json:"ms"`
}

func runSample(cmd *cobra.Command, g *globals, o *sampleOptions) error {
	if err := parseScores(&o.filter, o.scores); err != nil {
		return err
	}
	if strings.TrimSpace(o.name) == "" {
		return usageError{errors.New("--name is empty: a queue needs a name to be reviewed by (loupe review --queue NAME)")}
	}
	if o.n <= 0 {
		return usageError{fmt.Errorf("--n %d: want a positive sample size", o.n)}
	}
	if o.by != "" {
		o.strategy = "stratified"
	}
	spec := review.SampleSpec{N: o.n, Allocation: review.Allocation(o.allocation)}
	var strat review.Stratify
	switch o.strategy {
	case "random":
	case "stratified":
		if o.by == "" {
			return usageError{fmt.Errorf("--strategy stratified needs --by (subset, track, model, trait or score:<dimension>)")}
		}
		bins, err := review.ParseBins(o.bins)
		if err != nil {
			return usageError{err}
		}
		strat = review.Stratify{By: o.by, Bins: bins}
		spec.Stratified = true
		if spec.Allocation != review.Equal && spec.Allocation != review.Proportional {
			return usageError{fmt.Errorf("--allocation %q: want equal or proportional", o.allocation)}
		}
	default:
		return usageError{fmt.Errorf("--strategy %q: want random or stratified", o.strategy)}
	}
	if !o.seedSet {
		o.seed = uint64(time.Now().UnixNano() % 1_000_000)
	}
	spec.Seed = o.seed
	guidelines, err := o.readGuidelines()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	st, err := g.openExisting(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	sr, err := workspace.New(st).Sample(ctx, workspace.SampleRequest{Name: o.name, Strategy: o.strategy, Filter: o.filter, Stratify: strat, Spec: spec,
		Blind: o.blind, ShowOthers: o.showOthers, Guidelines: guidelines})
	if errors.Is(err, workspace.ErrBadFilter) {
		return usageError{errors.Unwrap(err)}
	}
	if err != nil {
		return err
	}
	got, elapsed := sr.Items, sr.Elapsed
	res := sampleResult{Queue: o.name, Strategy: o.strategy, Seed: o.seed, Size: len(got), Millis: float64(elapsed.Microseconds()) / 1000}
	if spec.Stratified {
		res.Strata = map[string]int{}
		for _, c := range got {
			res.Strata[c.Stratum]++
		}
	}
	if g.json {
		return g.printJSON(res)
	}
	fmt.Fprintf(g.out, "queue %q: %s (%s, seed %d) in %.1f ms\n", Clean(o.name), plural(len(got), "item"), o.strategy, o.seed, res.Millis)
	if len(got) < o.n {
		verb := "match"
		if len(got) == 1 {
			verb = "matches"
		}
		fmt.Fprintf(g.out, "  only %s %s the filters (asked for %d)\n", plural(len(got), "item"), verb, o.n)
	}
	var keys []string
	for k := range res.Strata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(g.out, "  %-20s %d\n", Clean(k), res.Strata[k])
	}
	return nil
}

// pairSampleResult is what `loupe sample --pairs --json` prints.
type pairSampleResult struct {
	Queue      string         `json:"queue"`
	Strategy   string         `json:"strategy"`
	Design     string         `json:"design"`
	Seed       uint64         `json:"seed"`
	Size       int            `json:"size"`
	Prompts    int            `json:"prompts"`
	ModelPairs map[string]int `json:"model_pairs"`
	Left       map[string]int `json:"left"`
	Dimensions []string       `json:"dimensions"`
	Millis     float64        `json:"ms"`
}

func runSamplePairs(cmd *cobra.Command, g *globals, o *sampleOptions) error {
	if strings.TrimSpace(o.name) == "" {
		return usageError{errors.New("--name is empty: a queue needs a name to be reviewed by (loupe review --queue NAME)")}
	}
	if o.strategy != "random" || o.by != "" || len(o.filter.Subsets) > 0 || len(o.filter.Models) > 0 || len(o.scores) > 0 || o.filter.Kind != "" || o.filter.HasCaption != "" || o.filter.Queue != "" {
		return usageError{errors.New("--pairs takes --models, --track, --lang, --n, --design, --weight, --dimensions and --overlap; --strategy, --by, --subset, --model, --score, --kind, --has-caption and --queue are for item queues")}
	}
	n := 0
	if o.nSet {
		if o.n <= 0 {
			return usageError{fmt.Errorf("--n %d: want a positive number of comparisons (leave it out for every pair)", o.n)}
		}
		n = o.n
	}
	if o.overlap < 1 {
		return usageError{fmt.Errorf("--overlap %d: want at least 1", o.overlap)}
	}
	if !o.seedSet {
		o.seed = uint64(time.Now().UnixNano() % 1_000_000)
	}
	guidelines, err := o.readGuidelines()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	st, err := g.openExisting(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	w := workspace.New(st)
	r, err := w.SamplePairs(ctx, workspace.PairSampleRequest{Name: o.name, Models: o.models, Tracks: o.filter.Tracks, Lang: o.filter.Lang, N: n,
		Seed: o.seed, Design: o.design, Weight: o.weight, Judge: o.judge, Other: o.other, Dimension: o.weightDim,
		Dimensions: o.pairDimensions, Overlap: o.overlap, Guidelines: guidelines, ShowOthers: o.showOthers})
	if errors.Is(err, workspace.ErrBadPairs) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	dims := o.pairDimensions
	if len(dims) == 0 {
		dims = []string{review.PairDimensionOverall}
	}
	res := pairSampleResult{Queue: o.name, Strategy: "pairs", Design: o.design, Seed: o.seed, Size: r.Pairs, Prompts: r.Prompts,
		ModelPairs: r.PerModels, Left: r.LeftShare, Dimensions: dims, Millis: float64(r.Elapsed.Microseconds()) / 1000}
	if g.json {
		return g.printJSON(res)
	}
	fmt.Fprintf(g.out, "pair queue %q: %s over %s (%s, seed %d, blind) in %.1f ms; asks: %s\n", Clean(o.name), plural(r.Pairs, "comparison"),
		plural(r.Prompts, "prompt"), o.design, o.seed, res.Millis, Clean(strings.Join(dims, ", ")))
	if n > r.Pairs {
		fmt.Fprintf(g.out, "  only %s match (asked for %d)\n", plural(r.Pairs, "comparison"), n)
	}
	keys := make([]string, 0, len(r.PerModels))
	for k := range r.PerModels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(g.out, "  %-32s %d\n", Clean(k), r.PerModels[k])
	}
	return nil
}

// readGuidelines reads --guidelines ("" without it).
func (o *sampleOptions) readGuidelines() (string, error) {
	if o.guidelines == "" {
		return "", nil
	}
	return readGuidelines(o.guidelines)
}
