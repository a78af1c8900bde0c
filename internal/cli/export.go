package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/export"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

type exportOpts struct {
	format     string
	out        string
	filter     review.Filter
	scores     []string
	judge      []string
	expr       string
	dryRun     bool
	force      bool
	resume     bool
	shardRows  int
	shardMB    int
	quiet      bool
	title      string
	consensusK int
	csvRaw     bool
	excel      bool
	// --pairs: a pairs file from a pair queue
	pairs     bool
	dimension string
	minRaters int
}

func newExportCmd(g *globals) *cobra.Command {
	o := &exportOpts{}
	cmd := &cobra.Command{
		Use:   "export --format jsonl|csv|parquet|hf|webdataset --out PATH [filters]",
		Short: "Export the items a filter selects, with pictures, captions, final values and their provenance",
		Long: `Export a curated subset: the items the filters select - the same filters as loupe sample and the review
screen's / prompt - with their pictures (bytes copied as stored), every caption by kind and language,
each dimension's final value with its provenance (a human's value where one was given, else the
pipeline's, else a judge's; who, when, rubric hash), the decision and a summary of its history.

Formats:
  jsonl       FILE: one line per item in loupe's manifest format (loupe import reads it back), images in
              FILE's folder under images/
  csv         FILE: one row per item, images as for jsonl
  parquet     FOLDER: the FLUX-Reason-6M column layout plus loupe_* columns, sharded (loupe import and
              hub tooling read it)
  hf          FOLDER: the hub image-folder layout (data/ with metadata.jsonl and the pictures) and a
              README.md dataset card stating the filter, counts and provenance
  webdataset  FOLDER: POSIX tar shards 000000.tar ... of key.jpg + key.json

Files are written under temporary names, synced and renamed when complete; an existing output is
refused without --force; --resume keeps the finished shards of an interrupted export and goes on after
them. Every export lists the files it wrote in a manifest (.loupe-export.json in a folder output,
.NAME.loupe-export beside a file output), and --force removes those files only, saying so on stderr:
a file loupe did not write, the workspace (with its -wal and -shm files) and a folder holding it are
refused, whatever path names them.

CSV cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return)
get a leading ' unless --csv-raw; --excel starts the file with a UTF-8 byte order mark.

Pairs: --pairs --queue P (or --format pairs) writes a pair queue's comparisons that people agreed on as
JSONL in the shape preference-tuning tools read: prompt, chosen and rejected (item ids), the two models,
the picture files, and every answer with the sides it was given on. A pair counts when at least
--min-raters people answered it (default 1) and all of them preferred the same picture; ties, both
bad and split answers are left out (the summary counts them). --dimension picks the question on a queue
that asks several (default its first).`,
		Example: `  loupe export --format webdataset --out clean/ --decision accepted --dry-run
  loupe export --format parquet --out clean/ --decision accepted --subset text --score text=7:
  loupe export --format hf --out hub/ --filter "decision=accepted consensus=2 agreement=agree"
  loupe export --format jsonl --out rejected.jsonl --decision rejected --annotator ana
  loupe export --pairs --queue arena --out prefs.jsonl --min-raters 2`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runExport(cmd.Context(), g, o) },
	}
	addFilterFlags(cmd, &o.filter, &o.scores)
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "", "jsonl, csv, parquet, hf or webdataset")
	f.StringVar(&o.out, "out", "", "output file (jsonl, csv) or folder (parquet, hf, webdataset)")
	f.StringSliceVar(&o.filter.Decision, "decision", nil, "only items in these decision states: accepted, rejected, unreviewed, flagged, disputed")
	f.StringVar(&o.filter.Annotator, "annotator", "", "the decision that counts is this annotator's (default: adjudicated, else the majority)")
	f.IntVar(&o.consensusK, "consensus", 0, "the majority must count at least this many annotators")
	f.StringArrayVar(&o.judge, "judge-score", nil, "judges' verdict range DIMENSION=MIN:MAX, e.g. prism_alignment=7: (repeatable)")
	f.StringVar(&o.filter.Agreement, "agreement", "", "agree: humans and judges within 1 point on every dimension both rated; disagree: not")
	f.StringVar(&o.expr, "filter", "", "the filter in the / prompt's syntax, e.g. \"decision=accepted subset=text score=text=7:\" (adds to the flags)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the count and size; write nothing")
	f.BoolVar(&o.force, "force", false, "replace an earlier export's files at --out (never other files, nor the workspace)")
	f.BoolVar(&o.resume, "resume", false, "continue an interrupted export, keeping its finished shards")
	f.IntVar(&o.shardRows, "shard-rows", 0, "records per shard (parquet, webdataset; default the format's)")
	f.IntVar(&o.shardMB, "shard-size", 0, "megabytes per shard, approximately (parquet, webdataset; default the format's)")
	f.StringVar(&o.title, "title", "", "the dataset card's title (hf)")
	f.BoolVar(&o.csvRaw, "csv-raw", false, "csv: write cells as they are, with no ' before a leading = + - @ (for programs, not spreadsheets)")
	f.BoolVar(&o.excel, "excel", false, "csv: start with a UTF-8 byte order mark, so that Excel reads the file as UTF-8")
	f.BoolVar(&o.quiet, "quiet", false, "no progress line")
	f.BoolVar(&o.pairs, "pairs", false, "write a pair queue's agreed preferences (prompt, chosen, rejected) as JSONL (needs --queue)")
	f.StringVar(&o.dimension, "dimension", "", "with --pairs: which of the queue's questions (default its first)")
	f.IntVar(&o.minRaters, "min-raters", 1, "with --pairs: answers a pair needs, all preferring the same picture")
	return cmd
}

// exportFilter puts the flags and --filter together.
func exportFilter(o *exportOpts) (review.Filter, error) {
	f := o.filter
	if err := parseScores(&f, o.scores); err != nil {
		return f, err
	}
	for _, s := range o.judge {
		r, err := review.ParseScoreRange(s)
		if err != nil {
			return f, usageError{err}
		}
		f.JudgeScores = append(f.JudgeScores, r)
	}
	f.Consensus = o.consensusK
	if o.expr != "" {
		e, err := review.ParseFilter(o.expr)
		if err != nil {
			return f, usageError{err}
		}
		f = mergeFilters(f, e)
	}
	f.FinalScores = true // trait ranges read the human value where there is one
	if _, _, err := store.FilterSQL(f); err != nil {
		return f, usageError{err}
	}
	return f, nil
}

// mergeFilters adds b's conditions to a's.
func mergeFilters(a, b review.Filter) review.Filter {
	pick := func(x, y string) string {
		if y != "" {
			return y
		}
		return x
	}
	a.Kind, a.Lang, a.HasCaption = pick(a.Kind, b.Kind), pick(a.Lang, b.Lang), pick(a.HasCaption, b.HasCaption)
	a.Annotator, a.Agreement, a.Queue = pick(a.Annotator, b.Annotator), pick(a.Agreement, b.Agreement), pick(a.Queue, b.Queue)
	a.Subsets = append(a.Subsets, b.Subsets...)
	a.Tracks = append(a.Tracks, b.Tracks...)
	a.Models = append(a.Models, b.Models...)
	a.Scores = append(a.Scores, b.Scores...)
	a.Decision = append(a.Decision, b.Decision...)
	a.JudgeScores = append(a.JudgeScores, b.JudgeScores...)
	if b.Consensus > 0 {
		a.Consensus = b.Consensus
	}
	return a
}

func runExport(ctx context.Context, g *globals, o *exportOpts) error {
	if o.pairs || o.format == "pairs" {
		return runExportPairs(ctx, g, o)
	}
	found := false
	for _, f := range export.Formats {
		found = found || f == o.format
	}
	if !found {
		return usageError{fmt.Errorf("--format %q: want one of %s", o.format, strings.Join(export.Formats, ", "))}
	}
	if o.out == "" && !o.dryRun {
		return usageError{errors.New("--out is required")}
	}
	if (o.csvRaw || o.excel) && o.format != "csv" {
		return usageError{errors.New("--csv-raw and --excel apply to --format csv only")}
	}
	f, err := exportFilter(o)
	if err != nil {
		return err
	}
	st, err := g.openExisting(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := refusePairQueue(ctx, st, f.Queue, "loupe export --pairs --queue"); err != nil {
		return err
	}
	// The workspace is protected by device and inode: --force never replaces it nor a folder holding it.
	opts := export.Options{Out: o.out, Force: o.force, Resume: o.resume, ShardRows: o.shardRows, ShardBytes: int64(o.shardMB) << 20,
		Protect: []string{g.db}, Log: g.err, CSVRaw: o.csvRaw, Excel: o.excel,
		Card: export.Card{Title: o.title, Workspace: g.db, Created: time.Now().UTC().Format(time.RFC3339),
			Provenance: "Each value is a human annotator's where one was given in loupe (the latest, or the adjudicated decision), " +
				"else the FLUX-Reason pipeline's score, else a VLM judge's verdict (with its model and rubric hash)."}}
	if opts.Card.Title == "" {
		opts.Card.Title = "loupe export"
	}
	prog := newExportProgress(g, o.quiet || g.json)
	sum, err := workspace.Export(ctx, st, f, o.format, opts, o.dryRun, prog.update)
	prog.done()
	if err != nil {
		if errors.Is(err, export.ErrExists) || errors.Is(err, export.ErrRefused) {
			return usageError{err}
		}
		return err
	}
	if g.json {
		return g.printJSON(sum)
	}
	verb := "exported"
	if sum.DryRun {
		verb = "would export"
	}
	size := fmt.Sprintf("%.1f MB of images", float64(sum.ImageBytes)/1e6)
	if sum.Estimated {
		size = "about " + size + " (estimated from the first 200)"
	}
	fmt.Fprintf(g.out, "%s %s (%s) as %s", verb, plural(sum.Records, "item"), size, o.format)
	if !sum.DryRun {
		fmt.Fprintf(g.out, " to %s in %.1f s", Clean(o.out), sum.Seconds)
	}
	fmt.Fprintln(g.out)
	if sum.Filter != "" {
		fmt.Fprintf(g.out, "  filter: %s\n", Clean(sum.Filter))
	}
	var ds []string
	for d, n := range sum.ByDecision {
		ds = append(ds, fmt.Sprintf("%s %d", d, n))
	}
	sort.Strings(ds)
	if len(ds) > 0 {
		fmt.Fprintf(g.out, "  decisions: %s\n", strings.Join(ds, ", "))
	}
	if len(sum.Files) > 0 {
		fmt.Fprintf(g.out, "  %s", plural(len(sum.Files), "file"))
		if len(sum.Files) <= 5 {
			fmt.Fprintf(g.out, ": %s", Clean(strings.Join(sum.Files, ", ")))
		}
		fmt.Fprintln(g.out)
	}
	return nil
}

// exportProgress draws the export's progress line on a terminal.
type exportProgress struct {
	p *progress
}

func newExportProgress(g *globals, off bool) *exportProgress {
	return &exportProgress{p: newProgress(g.err, off)}
}

func (e *exportProgress) update(p workspace.ExportProgress) {
	if e.p.off || p.Total == 0 {
		return
	}
	every := 100 * time.Millisecond
	if !e.p.tty {
		every = 5 * time.Second
	}
	if time.Since(e.p.last) < every && p.Done < p.Total {
		return
	}
	e.p.last = time.Now()
	const width = 24
	fill := width * p.Done / p.Total
	rate := float64(p.Bytes) / 1e6 / max(p.Elapsed.Seconds(), 1e-3)
	eta := "-"
	if p.Done > 0 {
		eta = (time.Duration(float64(p.Elapsed) / float64(p.Done) * float64(p.Total-p.Done))).Round(time.Second).String()
	}
	line := fmt.Sprintf("%s%s %d/%d  %.1f MB/s  ETA %s", strings.Repeat("█", fill), strings.Repeat("░", width-fill), p.Done, p.Total, rate, eta)
	if e.p.tty {
		fmt.Fprintf(e.p.w, "\r\x1b[K%s", line)
		e.p.drawn = true
	} else {
		fmt.Fprintln(e.p.w, line)
	}
}

func (e *exportProgress) done() { e.p.done() }
