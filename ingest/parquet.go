package ingest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/store"
)

// shardFiles lists the .parquet files under each path (a file is taken as is), sorted within a folder.
func shardFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("%s: %w", q, unwrapPathErr(err))
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(q), ".parquet") {
				found = append(found, q)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

type shardJob struct {
	path        string
	size, mtime int64
	fp          string // content fingerprint, when already read (a shard new at its path)
	idx         *dataset.ShardIndex
	err         error
	done        chan struct{}
}

// importParquet indexes FLUX-Reason-6M shards: readers decode shards in parallel while one writer
// commits them in order, one transaction per shard. Shards already indexed and unchanged are skipped.
func importParquet(ctx context.Context, st *store.Store, paths []string, o Options) (*Report, error) {
	files, err := shardFiles(paths)
	if err != nil {
		return nil, err
	}
	r := &Report{Format: Parquet}
	var jobs, loupeJobs []*shardJob
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			r.Failed++
			r.problem(dataset.Problem{File: f, Message: unwrapPathErr(err).Error()})
			continue
		}
		ok, err := st.UpToDate(ctx, f, fi.Size(), fi.ModTime().UnixNano())
		if err != nil {
			return r, err
		}
		r.Sources++
		if ok {
			r.UpToDate++
			// Unchanged since it was indexed: nothing new is skipped, but what its import skipped is
			// still missing, and the report says so.
			n, err := st.IssueCount(ctx, f)
			if err != nil {
				return r, err
			}
			if n > 0 {
				r.SkippedBefore = append(r.SkippedBefore, SkippedBefore{File: f, Problems: n})
			}
			continue
		}
		moved, fp, err := relocateShard(ctx, st, f, rootFolder(paths, f), fi.Size(), fi.ModTime().UnixNano())
		if err != nil {
			return r, err
		} else if moved != "" {
			r.UpToDate++
			report(o, "moved %s: imported before from %s; its location is updated", filepath.Base(f), moved)
			continue
		}
		if dataset.IsLoupeShard(f) {
			// written by loupe export: its loupe_* columns, not its score_* columns (final values), say
			// what each item was
			loupeJobs = append(loupeJobs, &shardJob{path: f, size: fi.Size(), mtime: fi.ModTime().UnixNano(), fp: fp})
			continue
		}
		jobs = append(jobs, &shardJob{path: f, size: fi.Size(), mtime: fi.ModTime().UnixNano(), fp: fp, done: make(chan struct{})})
	}
	// Indexing allocates short-lived row slices by the million; collecting less often leaves the CPU to
	// decoding and SQLite (the heap stays small: readers run at most a few shards ahead).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	workers := o.Workers
	if workers <= 0 {
		workers = max(1, runtime.GOMAXPROCS(0))
	}
	// Readers run ahead of the writer by at most a few shards, bounding memory.
	sem := make(chan struct{}, workers+2)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	next := make(chan *shardJob)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				j.idx, j.err = dataset.IndexShard(j.path)
				close(j.done)
			}
		}()
	}
	go func() {
		defer close(next)
		for _, j := range jobs {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer wg.Wait()
	for _, j := range jobs {
		select {
		case <-j.done:
		case <-ctx.Done():
			return r, ctx.Err()
		}
		<-sem
		if j.err != nil {
			r.Failed++
			msg := shardMessage(j.path, j.err)
			r.problem(dataset.Problem{File: j.path, Message: msg})
			report(o, "failed %s: %s", j.path, msg)
			if err := r.record(ctx, st, j.path); err != nil {
				return r, err
			}
			continue
		}
		res, err := st.IndexShard(ctx, j.path, j.size, j.mtime, j.idx.NumRows, j.idx.Rows, subsetFor(j.path))
		if err != nil {
			r.Failed++
			r.problem(dataset.Problem{File: j.path, Message: "not indexed: " + err.Error()})
			continue
		}
		if err := recordShardRoot(ctx, st, j.path, rootFolder(paths, j.path), j.fp); err != nil {
			return r, err
		}
		r.Inserted += res.Inserted
		r.Updated += res.Updated
		r.Skipped += len(j.idx.Problems) + len(res.Duplicates)
		for _, p := range j.idx.Problems {
			r.problem(p)
		}
		for _, d := range res.Duplicates {
			r.problem(dataset.Problem{File: j.path, Message: d})
		}
		// This version's problems replace those stored for an earlier version of the shard.
		if err := r.record(ctx, st, j.path); err != nil {
			return r, err
		}
		report(o, "indexed %s: %d new, %d skipped", filepath.Base(j.path), res.Inserted, len(j.idx.Problems)+len(res.Duplicates))
		j.idx = nil
	}
	if err := importLoupeShards(ctx, st, loupeJobs, paths, o, r); err != nil {
		return r, err
	}
	return r, nil
}

// importLoupeShards imports the shards loupe export wrote, one at a time (see importLoupeShard).
func importLoupeShards(ctx context.Context, st *store.Store, jobs []*shardJob, paths []string, o Options, r *Report) error {
	for _, j := range jobs {
		if err := ctx.Err(); err != nil {
			return err
		}
		before := r.Inserted
		if err := importLoupeShard(ctx, st, j.path, j.size, j.mtime, r); err != nil {
			r.Failed++
			msg := shardMessage(j.path, err)
			r.problem(dataset.Problem{File: j.path, Message: msg})
			report(o, "failed %s: %s", j.path, msg)
			if err := r.record(ctx, st, j.path); err != nil {
				return err
			}
			continue
		}
		if err := recordShardRoot(ctx, st, j.path, rootFolder(paths, j.path), j.fp); err != nil {
			return err
		}
		if err := r.record(ctx, st, j.path); err != nil {
			return err
		}
		report(o, "imported %s (a loupe export): %d new", filepath.Base(j.path), r.Inserted-before)
	}
	return nil
}

// shardMessage words a shard's error for a problem that already names the shard: without the path
// the error repeats at its start.
func shardMessage(path string, err error) string {
	msg := err.Error()
	if pe, ok := err.(*os.PathError); ok && pe.Path == path {
		msg = pe.Err.Error()
	}
	for strings.HasPrefix(msg, path+": ") {
		msg = strings.TrimPrefix(msg, path+": ")
	}
	return msg
}

// subsetFor names a row's subset from its id prefix, else from the shard's folder.
func subsetFor(path string) func(string) string {
	folder := strings.ToLower(filepath.Base(filepath.Dir(path)))
	return func(id string) string {
		if s := dataset.SubsetOf(id); s != "" {
			return s
		}
		return folder
	}
}

func report(o Options, format string, args ...any) {
	if o.Progress != nil {
		o.Progress(fmt.Sprintf(format, args...))
	}
}
