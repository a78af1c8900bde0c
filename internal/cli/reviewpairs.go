package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/loupe-dev/loupe/internal/config"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/termimg"
	"github.com/loupe-dev/loupe/tui"
	"github.com/loupe-dev/loupe/workspace"
)

// The comparison screen's session is the workspace's.
var _ tui.PairSession = (*workspace.PairSession)(nil)

// pairQueueOf names the queue review opens (--queue, else the workspace's first) and reports whether
// it is a pair queue.
func pairQueueOf(ctx context.Context, st *store.Store, o *reviewOptions) (string, bool, error) {
	ws := workspace.New(st)
	queue := o.queue
	if queue == "" {
		var err error
		if queue, err = ws.DefaultQueue(ctx); err != nil {
			return "", false, err
		}
	}
	pair, err := ws.IsPairQueue(ctx, queue)
	return queue, pair, err
}

// checkPairFlags refuses the flags that mean nothing on a pair queue (o.check must have passed).
func (o *reviewOptions) checkPairFlags(queue string) error {
	var bad []string
	if o.adjudicate {
		bad = append(bad, "--adjudicate")
	}
	if review.FilterString(o.filter) != "" {
		bad = append(bad, "filters (--kind, --subset, --track, --model, --lang, --has-caption, --score, --filter)")
	}
	if o.overlap != 0 {
		bad = append(bad, "--overlap (set it with loupe sample --pairs --overlap)")
	}
	if o.showOthers {
		bad = append(bad, "--show-others")
	}
	if o.backend != "" || len(o.judges) > 0 {
		bad = append(bad, "--backend and --judge")
	}
	if len(bad) > 0 {
		return usageError{fmt.Errorf("queue %q is a pair queue (side-by-side comparisons): it takes --annotator, --protocol, --no-color and --config; not %s", queue, joinAnd(bad))}
	}
	return nil
}

// joinAnd joins "a", "a and b", "a, b and c".
func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + " and " + s[len(s)-1]
}

// reviewPairs opens the comparison screen on a pair queue: the annotator answers pairs handed out by
// lease, every choice committed before the screen shows it.
func reviewPairs(ctx context.Context, st *store.Store, o *reviewOptions, queue string, forced termimg.Protocol) error {
	if err := o.checkPairFlags(queue); err != nil {
		return err
	}
	if !interactiveTerminal() {
		return usageError{errors.New("the review screen needs a terminal")}
	}
	name, err := annotatorName(o)
	if err != nil {
		return err
	}
	ses, err := workspace.New(st).OpenPairSession(ctx, queue, name)
	if err != nil {
		return err
	}
	if ses.Info().Pairs == 0 {
		return fmt.Errorf("pair queue %q is empty", queue)
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		tty = nil
	}
	caps := termimg.Detect(tty, forced, os.Getenv, 300*time.Millisecond)
	if tty != nil {
		tty.Close()
	}
	return tui.RunCompare(ctx, tui.CompareConfig{Session: ses, Caps: caps, NoColor: o.noColor})
}

// annotatorName is --annotator, else the configuration file's annotator, else $USER.
func annotatorName(o *reviewOptions) (string, error) {
	if o.annotator != "" {
		return o.annotator, nil
	}
	cfg, err := config.Read(o.config)
	if err != nil {
		return "", err
	}
	for _, n := range []string{cfg.Annotator, os.Getenv("USER")} {
		if n != "" {
			return n, nil
		}
	}
	return "annotator", nil
}
