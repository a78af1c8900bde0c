package cli

import (
	"slices"

	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/loupe-dev/loupe/generate"
	"github.com/loupe-dev/loupe/internal/config"
	"github.com/loupe-dev/loupe/judge"
	"github.com/loupe-dev/loupe/pipeline"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/termimg"
	"github.com/loupe-dev/loupe/tui"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

type reviewOptions struct {
	queue      string
	annotator  string
	config     string
	blind      bool
	showOthers bool
	noColor    bool
	protocol   string
	lease      bool
	overlap    int // 0: leave the queue's overlap as it is
	adjudicate bool
	filter     review.Filter
	scores     []string
	filterExpr string // --filter, in the / prompt's syntax
	judges     []string
	backend    string // pipeline steps' backend for the P key
	generator  string
}

func newReviewCmd(g *globals) *cobra.Command {
	o := &reviewOptions{}
	cmd := &cobra.Command{
		Use:   "review",
		Short: "Review a queue in the terminal: accept, reject, score, note, flag",
		Long: `Open the review screen on a queue, at the first item this annotator has not decided. The picture,
the captions (English or Chinese), the pipeline's trait scores, the judges' verdicts and the ground truth
are shown side by side; every key's effect is committed to the workspace before the screen shows it.

Keys: a accept, x reject, space skip, u undo, j/k move, tab focus a dimension, 1-9 and 0 (=10) score it,
enter agree with the judge, e override with a reason, n note, f flag, / filter, t language, z zoom,
? help, q quit.

Several annotators: --overlap K sets how many annotators should decide each item of the queue (stored
with the queue). With an overlap above 1, or with --lease, items are handed out by lease (10 minutes):
after each decision you get the next item that still needs a decision and that nobody else holds, so
no item ends with more than K decisions; the status bar says "queue done" when nothing is left for you.

Filters: --kind, --subset, --track, --model, --lang, --has-caption and --score (as in loupe sample)
restrict the review to the queue's items that match, in queue order. --filter and, in the screen, the
/ key take the same filter as key=value words, e.g. "subset=text score=clarity=8:" (in the screen,
an empty filter clears it).

Adjudication: --adjudicate opens the reviewer's screen over the queue's disputes (items whose annotators
disagree, or that someone flagged): every answer with its reason, the flags and the final decision;
a / x record the final decision (under --annotator), j/k move, q quits.

Pair queues (loupe sample --pairs): the comparison screen shows the prompt on top and the two models'
pictures side by side, each side drawn at random per pair and recorded. Keys: left/h/1 the left picture
is better, right/l/2 the right one, =/3/t tie, b/4 both bad (per dimension when the queue asks several;
tab moves between them), u undo, n note, f flag, space skip, j/k move through the pairs of this session.
Pairs are handed out by lease (10 minutes) and blind: no model names and no judge values until you have
answered the pair on every dimension. Filters, --adjudicate and --overlap do not apply to pair queues.`,
		Example: `  loupe review --queue demo --annotator ana
  loupe review --blind --protocol blocks
  loupe review --queue audit --overlap 2 --annotator ben
  loupe review --queue audit --subset text --score clarity=8:
  loupe review --queue audit --filter "subset=text score=clarity=8:"
  loupe review --queue audit --adjudicate --annotator lead`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runReview(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.queue, "queue", "", "queue to review (default: the workspace's first queue)")
	f.StringVar(&o.annotator, "annotator", "", "your name, recorded with every decision (default: the config file's annotator, else $USER)")
	f.StringVar(&o.config, "config", "", "configuration file (default: $"+config.EnvVar+", else ~/.config/loupe/loupe.toml); its [keys] rebind actions")
	f.StringVar(&o.backend, "backend", "", "backend the P key reruns pipeline steps with")
	f.StringVar(&o.generator, "generator", "procedural", "generator the P key's generate step uses")
	f.StringSliceVar(&o.judges, "judge", nil, "backends the R key re-judges with (default: every configured backend, then rules and ocr)")
	f.BoolVar(&o.blind, "blind", false, "hide judge and pipeline values until you have decided the item (or the queue's setting: loupe queue blind)")
	f.BoolVar(&o.noColor, "no-color", false, "draw without colours (also when NO_COLOR is set)")
	f.BoolVar(&o.showOthers, "show-others", false, "with overlap, show other annotators' answers before your own decision (or the queue's setting)")
	f.StringVar(&o.protocol, "protocol", "", "pictures: kitty, iterm2, sixel, blocks or none (default: detect; env "+termimg.EnvVar+")")
	f.BoolVar(&o.lease, "lease", false, "hand out items by lease (10 min) so annotators working at once get different items")
	f.IntVar(&o.overlap, "overlap", 0, "set how many annotators should decide each item of the queue (K > 1 turns leases on)")
	f.BoolVar(&o.adjudicate, "adjudicate", false, "adjudicate the queue's disputes (disagreements and flags): record final decisions")
	addItemFilterFlags(cmd, &o.filter, &o.scores)
	f.StringVar(&o.filterExpr, "filter", "", `filter as key=value words, the / key's syntax, e.g. "subset=text score=clarity=8:"`)
	cmd.RegisterFlagCompletionFunc("protocol", cobra.FixedCompletions([]string{"kitty", "iterm2", "sixel", "blocks", "none"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// reviewWorkspace runs the review screen (or with --adjudicate the adjudication screen) on an open
// workspace.
func reviewWorkspace(ctx context.Context, st *store.Store, o *reviewOptions) error {
	forced, err := termimg.ParseProtocol(o.protocol)
	if err != nil {
		return usageError{err}
	}
	if err := o.check(); err != nil {
		return err
	}
	if queue, pair, err := pairQueueOf(ctx, st, o); err == nil && pair {
		return reviewPairs(ctx, st, o, queue, forced) // a pair queue opens the comparison screen
	}
	if !interactiveTerminal() {
		return usageError{errors.New("the review screen needs a terminal")}
	}
	cfg, adj, err := prepareReview(ctx, st, o)
	if err != nil || adj != nil {
		if err != nil {
			return err
		}
		return tui.RunAdjudication(ctx, *adj)
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		tty = nil
	}
	cfg.Caps = termimg.Detect(tty, forced, os.Getenv, 300*time.Millisecond)
	if tty != nil {
		tty.Close()
	}
	return tui.Run(ctx, cfg)
}

// check validates the flags that need no workspace: --overlap, --score and --filter (merged into
// o.filter).
func (o *reviewOptions) check() error {
	if o.overlap < 0 {
		return usageError{fmt.Errorf("--overlap %d: want at least 1", o.overlap)}
	}
	if err := parseScores(&o.filter, o.scores); err != nil {
		return err
	}
	o.scores = nil
	if o.filterExpr != "" {
		f, err := workspace.ParseFilter(o.filterExpr)
		if err != nil {
			return usageError{fmt.Errorf("--filter: %w", err)}
		}
		o.filter.Subsets = append(o.filter.Subsets, f.Subsets...)
		o.filter.Tracks = append(o.filter.Tracks, f.Tracks...)
		o.filter.Models = append(o.filter.Models, f.Models...)
		o.filter.Scores = append(o.filter.Scores, f.Scores...)
		for _, p := range [][2]*string{{&o.filter.Kind, &f.Kind}, {&o.filter.Lang, &f.Lang}, {&o.filter.HasCaption, &f.HasCaption}} {
			if *p[1] != "" {
				*p[0] = *p[1]
			}
		}
		o.filterExpr = ""
	}
	if err := workspace.CheckFilter(o.filter); err != nil {
		return usageError{err}
	}
	return nil
}

// prepareReview picks the queue and the annotator, applies --overlap, and returns either the
// adjudication screen's config (--adjudicate) or the review screen's, its session restricted to the
// filter. o.check must have passed.
func prepareReview(ctx context.Context, st *store.Store, o *reviewOptions) (tui.Config, *tui.AdjudicationConfig, error) {
	ws := workspace.New(st)
	queue := o.queue
	if queue == "" {
		var err error
		if queue, err = ws.DefaultQueue(ctx); err != nil {
			return tui.Config{}, nil, err
		}
	}
	cfg, err := config.Read(o.config)
	if err != nil {
		return tui.Config{}, nil, err
	}
	keys, err := tui.NewKeymap(cfg.Keys)
	if err != nil {
		return tui.Config{}, nil, fmt.Errorf("config %s: %w", cfg.Path, err)
	}
	name := o.annotator
	if name == "" {
		name = cfg.Annotator
	}
	if name == "" {
		name = os.Getenv("USER")
	}
	if name == "" {
		name = "annotator"
	}
	if o.overlap != 0 {
		if err := ws.SetOverlap(ctx, queue, o.overlap); err != nil {
			return tui.Config{}, nil, fmt.Errorf("--overlap: %w", err)
		}
	}
	if o.adjudicate {
		return tui.Config{}, &tui.AdjudicationConfig{Disputes: ws.Adjudication(), Queue: queue, Adjudicator: name, Keys: keys, Caps: termimg.FromEnv(os.Getenv)}, nil
	}
	ses, err := ws.OpenSession(ctx, queue, name)
	if err != nil {
		return tui.Config{}, nil, err
	}
	if len(ses.Items()) == 0 {
		return tui.Config{}, nil, fmt.Errorf("queue %q is empty", queue)
	}
	if o.showOthers {
		ses.SetShowOthers(true)
	}
	filter := tui.FilterString(o.filter)
	if filter != "" {
		if _, err := ses.Restrict(ctx, o.filter); err != nil {
			return tui.Config{}, nil, err
		}
	}
	judges := o.judges
	if len(judges) == 0 {
		judges = append(cfg.BackendNames(), judge.KindRules, judge.KindOCR)
		judges = slices.Compact(judges)
	}
	for _, j := range judges {
		if _, err := cfg.Backend(j); err != nil {
			return tui.Config{}, nil, fmt.Errorf("--judge: %w", err)
		}
	}
	var steps []string
	var rerun func(ctx context.Context, id int64, step string) (string, error)
	if o.backend != "" {
		b, err := cfg.Backend(o.backend)
		if err != nil {
			return tui.Config{}, nil, fmt.Errorf("--backend: %w", err)
		}
		gc, err := cfg.Generator(o.generator)
		if err != nil {
			return tui.Config{}, nil, fmt.Errorf("--generator: %w", err)
		}
		gen, err := generate.New(gc)
		if err != nil {
			return tui.Config{}, nil, err
		}
		steps = pipeline.ItemSteps() // the registry: every step that runs on an item
		rerun = func(ctx context.Context, id int64, step string) (string, error) {
			return ws.RerunStep(ctx, id, step, b, gen, gc.Name)
		}
	}
	return tui.Config{Steps: steps, RerunStep: rerun, Session: ses, Blind: o.blind, NoColor: o.noColor, Start: -1, Lease: o.lease, Filter: filter, Keys: keys,
		Judges: judges, Rejudge: ws.NewRejudger(cfg.Backend).Rejudge,
		Export: func(ctx context.Context, format, path, filter string) (string, error) {
			return ws.ExportView(ctx, queue, filter, format, path)
		}}, nil, nil
}

// The review screen's session is the workspace's.
var _ tui.Session = (*workspace.Session)(nil)

// The adjudication screen's disputes are the workspace's.
var _ tui.Disputes = workspace.Adjudication{}

func runReview(ctx context.Context, g *globals, o *reviewOptions) error {
	if _, err := os.Stat(g.db); err != nil {
		return fmt.Errorf("no workspace %s (loupe import, or loupe demo)", g.db)
	}
	st, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return reviewWorkspace(ctx, st, o)
}

// interactiveTerminal reports whether stdin and stdout are a terminal (the review screen needs one).
func interactiveTerminal() bool {
	return term.IsTerminal(int(os.Stdout.Fd())) && term.IsTerminal(int(os.Stdin.Fd()))
}
