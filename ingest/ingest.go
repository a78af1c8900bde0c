// Package ingest imports outside data into a workspace: it finds and recognises the inputs, runs the
// dataset readers and writes what they yield through the store, one transaction per batch, reporting
// what it skipped and why.
package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/store"
)

// Format is an input format.
type Format string

// Input formats.
const (
	Auto     Format = ""
	Parquet  Format = "parquet"
	Prism    Format = "prism"
	JSONL    Format = "jsonl"
	Folder   Format = "folder"
	maxIssue        = 1000 // problems a report lists (the workspace keeps every one)
)

// Options tunes an import.
type Options struct {
	Format  Format
	Judge   string // PRISM-Bench: name of the judge whose official outputs are imported
	Model   string // PRISM-Bench: the model that made the images (default: the folder name)
	Lang    string // PRISM-Bench: prompt language of the images (en or zh)
	Workers int    // parallel shard readers
	// AllowOutside accepts pictures that resolve (symlinks followed) outside the folder being imported
	// (a manifest's folder, an image folder, a PRISM-Bench folder); by default they are skipped.
	AllowOutside bool
	// Progress, if set, is called after each source with a one-line status.
	Progress func(string)
}

// Report says what an import did.
type Report struct {
	Format       Format            `json:"format"`
	Sources      int               `json:"sources"`
	UpToDate     int               `json:"sources_up_to_date"`
	Failed       int               `json:"sources_failed"`
	Inserted     int               `json:"items_added"`
	Updated      int               `json:"items_updated"`
	Labels       int               `json:"labels_added"`
	Texts        int               `json:"texts_added"`
	Skipped      int               `json:"rows_skipped"`
	Problems     []dataset.Problem `json:"problems"` // the first maxIssue of them
	ProblemCount int               `json:"problem_count"`
	// AllProblems, when Problems is not all of them, names the command that lists every one.
	AllProblems string `json:"all_problems,omitempty"`
	// SkippedBefore are the sources found up to date whose earlier import skipped input: nothing new
	// was skipped, but what was is still missing from the workspace.
	SkippedBefore []SkippedBefore `json:"skipped_before,omitempty"`

	unrecorded []dataset.Problem // problems not yet stored in the workspace
}

// SkippedBefore is a source already imported, and unchanged since, with the number of problems its
// import stored (rows, lines or files skipped).
type SkippedBefore struct {
	File     string `json:"file"`
	Problems int    `json:"problems"`
}

// allProblemsCommand lists every problem stored in a workspace.
const allProblemsCommand = "loupe import --problems"

func (r *Report) problem(p dataset.Problem) {
	r.ProblemCount++
	if len(r.Problems) < maxIssue {
		r.Problems = append(r.Problems, p)
	}
	r.unrecorded = append(r.unrecorded, p)
}

// record stores the problems met since the last record (every one; the report keeps only the first
// maxIssue), after forgetting those stored for the sources in forget (sources imported anew).
func (r *Report) record(ctx context.Context, st *store.Store, forget ...string) error {
	if len(r.unrecorded) == 0 && len(forget) == 0 {
		return nil
	}
	err := store.InTx(ctx, st.DB, func(tx *sql.Tx) error {
		for _, f := range forget {
			if err := store.ForgetIssues(ctx, tx, f); err != nil {
				return err
			}
		}
		return store.RecordIssues(ctx, tx, issues(r.unrecorded))
	})
	if err != nil {
		return fmt.Errorf("store the import's problems: %w", err)
	}
	r.unrecorded = nil
	return nil
}

func issues(ps []dataset.Problem) []store.Issue {
	out := make([]store.Issue, len(ps))
	for i, p := range ps {
		out[i] = store.Issue{Source: p.File, Where: p.Where, Message: p.Message}
	}
	return out
}

// Detect recognises the format of one input path.
func Detect(path string) (Format, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Auto, err
	}
	if !st.IsDir() {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".parquet":
			return Parquet, nil
		case ".jsonl", ".ndjson":
			return JSONL, nil
		}
		return Auto, fmt.Errorf("%s: unknown format (want a .parquet shard, a .jsonl manifest or a folder; use --format)", path)
	}
	if isPrismFolder(path) {
		return Prism, nil
	}
	var hasParquet, hasImage bool
	filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".parquet":
			hasParquet = true
			return filepath.SkipAll
		case ".png", ".jpg", ".jpeg", ".webp", ".gif":
			hasImage = true
		}
		return nil
	})
	switch {
	case hasParquet:
		return Parquet, nil
	case hasImage:
		return Folder, nil
	}
	return Auto, fmt.Errorf("%s: no Parquet shards, PRISM-Bench layout or images found", path)
}

// Import imports every path into the workspace. Paths may be files, folders or glob patterns.
func Import(ctx context.Context, st *store.Store, paths []string, o Options) (*Report, error) {
	expanded, err := expand(paths)
	if err != nil {
		return nil, err
	}
	total := &Report{Format: o.Format}
	groups := map[Format][]string{}
	var order []Format
	for _, p := range expanded {
		f := o.Format
		if f == Auto {
			if f, err = Detect(p); err != nil {
				return nil, err
			}
		}
		if _, ok := groups[f]; !ok {
			order = append(order, f)
		}
		groups[f] = append(groups[f], p)
	}
	if len(order) == 1 {
		total.Format = order[0]
	}
	for _, f := range order {
		var r *Report
		switch f {
		case Parquet:
			r, err = importParquet(ctx, st, groups[f], o)
		case Prism:
			r, err = importPrism(ctx, st, groups[f], o)
		case JSONL:
			r, err = importJSONL(ctx, st, groups[f], o)
		case Folder:
			r, err = importFolder(ctx, st, groups[f], o)
		default:
			return nil, fmt.Errorf("unknown format %q (want parquet, prism, jsonl or folder)", f)
		}
		if r != nil {
			total.add(r)
		}
		if rerr := total.record(ctx, st); rerr != nil && err == nil {
			err = rerr
		}
		if err != nil {
			return total, err
		}
	}
	if total.ProblemCount > len(total.Problems) {
		total.AllProblems = allProblemsCommand
	}
	return total, nil
}

func (r *Report) add(o *Report) {
	r.Sources += o.Sources
	r.UpToDate += o.UpToDate
	r.Failed += o.Failed
	r.Inserted += o.Inserted
	r.Updated += o.Updated
	r.Labels += o.Labels
	r.Texts += o.Texts
	r.Skipped += o.Skipped
	r.ProblemCount += o.ProblemCount
	for _, p := range o.Problems {
		if len(r.Problems) < maxIssue {
			r.Problems = append(r.Problems, p)
		}
	}
	r.unrecorded = append(r.unrecorded, o.unrecorded...)
	r.SkippedBefore = append(r.SkippedBefore, o.SkippedBefore...)
}

// recordProblems stores problems in the workspace (each once: one met again is not stored twice).
func recordProblems(ctx context.Context, st *store.Store, ps []dataset.Problem) error {
	if len(ps) == 0 {
		return nil
	}
	return store.InTx(ctx, st.DB, func(tx *sql.Tx) error { return store.RecordIssues(ctx, tx, issues(ps)) })
}

// expand resolves globs and checks every path exists, keeping the given order.
func expand(paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, errors.New("nothing to import: give a folder, file or glob")
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		matches := []string{p}
		if strings.ContainsAny(p, "*?[") {
			m, err := filepath.Glob(p)
			if err != nil {
				return nil, fmt.Errorf("%s: bad pattern: %w", p, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("%s: no file matches", p)
			}
			sort.Strings(m)
			matches = m
		}
		for _, m := range matches {
			if _, err := os.Stat(m); err != nil {
				return nil, fmt.Errorf("%s: %w", m, unwrapPathErr(err))
			}
			abs, err := filepath.Abs(m)
			if err != nil {
				return nil, err
			}
			if !seen[abs] {
				seen[abs] = true
				out = append(out, abs)
			}
		}
	}
	return out, nil
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
