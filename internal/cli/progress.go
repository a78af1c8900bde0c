package cli

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

func newProgressCmd(g *globals) *cobra.Command {
	var queue string
	cmd := &cobra.Command{
		Use:   "progress",
		Short: "Team progress: decisions per annotator, agreement, items left per queue, leases held",
		Long: `Report the team's progress, reading the workspace only:
  per annotator  decisions in force given today (the UTC day) and in all, pace, agreement with the
                 judges (decisions: the judges' majority; scores: within 1 of their mean) and with the
                 other annotators (the same decision on items both decided)
  per pair       agreement of two annotators on shared items (decisions exact, scores within 1)
  per queue      items, done (an item is done with the queue's overlap K decisions), left, in progress,
                 blind and overlap settings
  leases         who holds which item now, until when

Pace is decisions per hour over the annotator's last active hour: the decisions in the 60 minutes up
to their latest one, divided by the time between them (each pause counted up to 5 minutes, in all at
least one minute). --queue narrows every figure to that queue's items.`,
		Example: `  loupe progress
  loupe progress --queue audit --json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.openReadOnly(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			p, err := workspace.New(st).Progress(cmd.Context(), queue, time.Now())
			if err != nil {
				return err
			}
			if g.json {
				return g.printJSON(p)
			}
			return printProgress(g.out, p)
		},
	}
	cmd.Flags().StringVar(&queue, "queue", "", "only this queue and its items")
	return cmd
}

// printProgress writes a progress report as aligned tables.
func printProgress(out io.Writer, p *workspace.Progress) error {
	scope := "whole workspace"
	if p.Queue != "" {
		scope = "queue " + CleanLine(p.Queue)
	}
	fmt.Fprintf(out, "progress of the %s at %s (today: UTC day %s)\n\n", scope, p.Now.Format("2006-01-02 15:04:05 UTC"), p.Day)
	w := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	if len(p.Annotators) == 0 {
		fmt.Fprintln(w, "no decisions yet")
	} else {
		fmt.Fprintln(w, "ANNOTATOR\tTODAY\tDECIDED\tPACE/H\tLAST DECISION\tJUDGE DECISIONS\tJUDGE SCORES\tOTHERS\tLEASES")
		for _, a := range p.Annotators {
			last := "-"
			if a.LastDecision != nil {
				last = a.LastDecision.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(w, "%s\t%d\t%d\t%.1f\t%s\t%s\t%s\t%s\t%d\n", CleanLine(a.Name), a.DecidedToday, a.Decided, a.PacePerHour, last,
				agreementCell(a.JudgeDecisions), agreementCell(a.JudgeScores), agreementCell(a.Others), a.Leases)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(p.Pairs) > 0 {
		fmt.Fprintln(out)
		w = tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "PAIR\tDECISIONS\tSCORES")
		for _, pa := range p.Pairs {
			fmt.Fprintf(w, "%s / %s\t%s\t%s\n", CleanLine(pa.A), CleanLine(pa.B), agreementCell(pa.Decisions), agreementCell(pa.Scores))
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(out)
	w = tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	if len(p.Queues) == 0 {
		fmt.Fprintln(w, "no queues yet (loupe sample makes one)")
	} else {
		fmt.Fprintln(w, "QUEUE\tITEMS\tDONE\tLEFT\tIN PROGRESS\tDECISIONS\tOVERLAP\tBLIND")
		for _, q := range p.Queues {
			fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", CleanLine(q.Name), q.Items, q.Done, q.Left, q.Started, q.Decisions, q.Overlap, onOff(q.Blind))
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	if len(p.Leases) == 0 {
		fmt.Fprintln(out, "no leases held")
		return nil
	}
	w = tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "LEASE HOLDER\tQUEUE\tITEM\tEXPIRES")
	for _, l := range p.Leases {
		left := time.Unix(l.ExpiresAt, 0).Sub(p.Now).Round(time.Second)
		fmt.Fprintf(w, "%s\t%s\t%s\tin %s\n", CleanLine(l.Annotator), CleanLine(l.Queue), CleanLine(l.Item), left)
	}
	return w.Flush()
}

// agreementCell writes an agreement as "agree/n rate%", or "-" when nothing was compared.
func agreementCell(a workspace.Agreement) string {
	if a.Rate == nil {
		return "-"
	}
	return fmt.Sprintf("%d/%d %.0f%%", a.Agree, a.N, 100**a.Rate)
}
