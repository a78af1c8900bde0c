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
	var jobs []*shardJob
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
			continue
		}
		jobs = append(jobs, &shardJob{path: f, size: fi.Size(), mtime: fi.ModTime().UnixNano(), done: make(chan struct{})})
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
			r.problem(dataset.Problem{File: j.path, Message: j.err.Error()})
			report(o, "failed %s: %v", j.path, j.err)
			continue
		}
		res, err := st.IndexShard(ctx, j.path, j.size, j.mtime, j.idx.NumRows, j.idx.Rows, subsetFor(j.path))
		if err != nil {
			r.Failed++
			r.problem(dataset.Problem{File: j.path, Message: "not indexed: " + err.Error()})
			continue
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
		j.idx = nil
		report(o, "indexed %s: %d new, %d skipped", filepath.Base(j.path), res.Inserted, len(res.Duplicates))
	}
	return r, nil
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
