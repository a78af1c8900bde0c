package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/loupe-dev/loupe/internal/config"
	"github.com/loupe-dev/loupe/internal/serve"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/termimg"
	"github.com/loupe-dev/loupe/tui"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

type serveOptions struct {
	addr       string
	hostKey    string
	annotators string
	queues     []string
	config     string
	protocol   string
	open       bool
	idle       time.Duration
	maxSess    int
	rate       int
}

func newServeCmd(g *globals) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the review screen over SSH to a team of annotators",
		Long: `Run an SSH server whose only program is the review screen, on this workspace: annotators connect with
their own terminal (ssh -p 2323 host) and review; nothing is installed on their machines and the data
stays on the server. Every session shares the workspace (its leases hand each annotator different
items, and the queue's overlap is respected).

Identity is the public key: --annotators names a file of lines

  name ssh-ed25519 AAAA... [role=lead] [queues=a,b]

(authorized_keys with the annotator's name first; # starts a comment). The name recorded on every
decision is the one the key maps to; unknown keys are refused (--open: asked for a name, recorded as
unverified:NAME). The file is read again when it changes.

A session opens on a start screen: the queues the person may review (queues= among --queue; else
every queue) with their progress and review settings. The queue's settings hold: blind mode (loupe
queue blind) and overlap cannot be changed by the client. Leads (role=lead) also open the team view
(live loupe progress) and adjudication, and may re-judge; export is not offered over SSH (it writes
on the server: run loupe export there).

Only a terminal session running the review screen is allowed: commands (ssh host ls), port forwarding
and subsystems (SFTP) are refused. The host key is created on first start (ed25519, mode 0600).
Pictures are drawn with what the client's terminal answers (kitty, sixel, iTerm2), else text blocks.
One log line per session (key=value) says who, from where, how long, the decisions and the bytes
sent per item. SIGTERM or ctrl+c tells every session and ends them; each decision a screen showed
as recorded is already committed.`,
		Example: `  loupe serve --annotators team.keys
  loupe serve --addr :2323 --host-key /var/lib/loupe/host_ed25519 --annotators team.keys --queue audit`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runServe(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", ":2323", "address to listen on")
	f.StringVar(&o.hostKey, "host-key", "", "host key file, created if missing (default: loupe_host_ed25519 beside the workspace)")
	f.StringVar(&o.annotators, "annotators", "", "annotators file: name key-type key [role=lead] [queues=a,b] per line (required)")
	f.StringSliceVar(&o.queues, "queue", nil, "queues to serve (default: each annotator's, else the workspace's first)")
	f.StringVar(&o.config, "config", "", "configuration file for the review screens (keys, judges), as in loupe review")
	f.StringVar(&o.protocol, "protocol", "", "force pictures: kitty, iterm2, sixel, blocks or none (default: ask each client's terminal)")
	f.BoolVar(&o.open, "open", false, "let unknown keys in: they are asked for a name, recorded as unverified:NAME")
	f.DurationVar(&o.idle, "idle-timeout", serve.DefaultIdleTimeout, "end a session after this long without a key (0: never)")
	f.IntVar(&o.maxSess, "max-sessions", serve.DefaultMaxSessions, "most sessions at once (0: no limit)")
	f.IntVar(&o.rate, "rate", serve.DefaultRatePerMinute, "most new sessions per key per minute (0: no limit)")
	return cmd
}

func runServe(ctx context.Context, g *globals, o *serveOptions) error {
	forced, err := termimg.ParseProtocol(o.protocol)
	if err != nil {
		return usageError{err}
	}
	if o.annotators == "" {
		return usageError{errors.New("--annotators is required: a file of `name ssh-ed25519 AAAA...` lines")}
	}
	if _, err := os.Stat(g.db); err != nil {
		return fmt.Errorf("no workspace %s (loupe import, or loupe demo)", g.db)
	}
	if _, err := config.Read(o.config); err != nil {
		return err
	}
	if o.hostKey == "" {
		o.hostKey = filepath.Join(filepath.Dir(g.db), "loupe_host_ed25519")
	}
	st, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	ws := workspace.New(st)
	for _, q := range o.queues {
		if _, err := ws.QueueSettings(ctx, q); err != nil {
			return usageError{fmt.Errorf("--queue %s: %w", q, err)}
		}
	}
	if o.idle < 0 || o.maxSess < 0 || o.rate < 0 {
		return usageError{errors.New("--idle-timeout, --max-sessions and --rate take 0 (no limit) or more")}
	}
	srv, err := serve.New(serve.Options{
		HostKey:       o.hostKey,
		Annotators:    o.annotators,
		Queues:        o.queues,
		Workspace:     ws,
		Protocol:      forced,
		Open:          serveOpener(st, o.config),
		OpenPairs:     servePairOpener(ws),
		Adjudicate:    serveAdjudicator(st, o.config),
		Team:          func(ctx context.Context, queue string) (string, error) { return teamReport(ctx, ws, queue) },
		OpenAccess:    o.open,
		IdleTimeout:   noLimit(o.idle),
		MaxSessions:   noLimit(o.maxSess),
		RatePerMinute: noLimit(o.rate),
		Logf: func(format string, args ...any) {
			fmt.Fprintf(g.err, "%s %s\n", time.Now().Format(time.DateTime), fmt.Sprintf(format, args...))
		},
	})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(o.addr) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	// Every decision is committed before the screen shows it: closing the connections loses nothing
	// acknowledged. The sessions are told and given 2 s to end.
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	left := srv.Sessions()
	_ = srv.Shutdown(sctx)
	fmt.Fprintf(g.err, "%s event=stopped sessions_ended=%d\n", time.Now().Format(time.DateTime), left)
	return nil
}

// noLimit turns the flags' 0 (no limit) into the server's negative.
func noLimit[T int | time.Duration](v T) T {
	if v == 0 {
		return -1
	}
	return v
}

// serveOpener opens a review screen's configuration for one SSH session: loupe review's setup with the
// annotator the key maps to and leases on (several people review at once).
func serveOpener(st *store.Store, configPath string) serve.OpenFunc {
	return func(ctx context.Context, who serve.Annotator, queue string) (tui.Config, error) {
		o := &reviewOptions{queue: queue, annotator: who.Name, config: configPath, lease: true}
		if err := o.check(); err != nil {
			return tui.Config{}, err
		}
		cfg, _, err := prepareReview(ctx, st, o)
		return cfg, err
	}
}

// servePairOpener opens the comparison screen on a pair queue (nil for other queues).
func servePairOpener(ws *workspace.Workspace) func(ctx context.Context, who serve.Annotator, queue string) (*tui.CompareConfig, error) {
	return func(ctx context.Context, who serve.Annotator, queue string) (*tui.CompareConfig, error) {
		if ok, err := ws.IsPairQueue(ctx, queue); err != nil || !ok {
			return nil, err
		}
		ses, err := ws.OpenPairSession(ctx, queue, who.Name)
		if err != nil {
			return nil, err
		}
		return &tui.CompareConfig{Session: ses}, nil
	}
}

// serveAdjudicator opens a lead's adjudication screen on a queue (loupe review --adjudicate).
func serveAdjudicator(st *store.Store, configPath string) func(ctx context.Context, lead, queue string) (tui.AdjudicationConfig, error) {
	return func(ctx context.Context, lead, queue string) (tui.AdjudicationConfig, error) {
		o := &reviewOptions{queue: queue, annotator: lead, config: configPath, adjudicate: true}
		_, adj, err := prepareReview(ctx, st, o)
		if err != nil {
			return tui.AdjudicationConfig{}, err
		}
		return *adj, nil
	}
}

// teamReport is the lead's team view: loupe progress --queue Q as text.
func teamReport(ctx context.Context, ws *workspace.Workspace, queue string) (string, error) {
	p, err := ws.Progress(ctx, queue, time.Now())
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = printProgress(&b, p)
	return b.String(), err
}
