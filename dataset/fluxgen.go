package dataset

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"
	"sync"

	"github.com/loupe-dev/loupe/dataset/fluxschema"
	"github.com/loupe-dev/loupe/dataset/synth"
	"github.com/parquet-go/parquet-go"
)

// FluxRow is one row of the FLUX-Reason-6M schema, all 36 columns, in the published column order
// (score columns required), as the published shards hold it.
type FluxRow struct {
	fluxschema.Columns[int64]
}

// FluxImage is the hub "Image feature" layout: encoded bytes plus an (always null) path.
type FluxImage = fluxschema.Image

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// FluxRowFromSample fills a FLUX-Reason-6M row from a synthetic sample and its encoded image.
func FluxRowFromSample(id string, s synth.Sample, img []byte) FluxRow {
	en, zh := s.EN, s.ZH
	var r FluxRow
	r.ID, r.Image = id, FluxImage{Bytes: img}
	ens, zhs, bools := r.Captions()
	for k := range 8 {
		*ens[k] = strPtr(en[k])
		*zhs[k] = strPtr(zh[k])
		*bools[k] = s.Present[k]
	}
	for k, p := range r.Scores() {
		*p = int64(s.Scores[k])
	}
	r.Caption = strPtr(en[7])
	return r
}

// GenOptions says what `loupe demo gen` writes.
type GenOptions struct {
	Out       string // output folder
	Shards    int    // number of shards
	Rows      int    // rows per shard
	Seed      int64
	Subset    string // one subset for every shard; "" spreads shards over the four subsets
	ImageSize int    // pixels per side of each JPEG
	ImagePool int    // distinct pictures drawn per subset; row i shows sample i mod pool (0 = every row its own)
	RowGroups int    // row groups per shard (the published shards have about 50)
	Quality   int    // JPEG quality
}

// subsetFolders maps subsets to the published folder and file-name stems.
var subsetFolders = map[string]string{
	"aesthetics-part01": "Aesthetics-Part01", "aesthetics-part02": "Aesthetics-Part02",
	"imaginative": "Imaginative", "text": "Text",
}

// imageCache renders each pooled picture once and shares the JPEG bytes across shard writers.
type imageCache struct {
	mu   sync.Mutex
	imgs map[string][]byte
}

func (c *imageCache) get(g *synth.Generator, s synth.Sample, size, quality int) ([]byte, error) {
	key := fmt.Sprintf("%s/%d", s.Subset, s.Index)
	c.mu.Lock()
	b, ok := c.imgs[key]
	c.mu.Unlock()
	if ok {
		return b, nil
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, s.Render(size), &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.imgs[key] = buf.Bytes()
	c.mu.Unlock()
	return buf.Bytes(), nil
}

// WriteShards writes synthetic FLUX-Reason-6M-schema shards in the published folder layout and returns
// their paths. Shard k of a subset holds ids <subset>-<k*rows+r>.
func WriteShards(o GenOptions) ([]string, error) {
	if o.Shards <= 0 || o.Rows <= 0 {
		return nil, fmt.Errorf("need at least one shard and one row (got %d shards x %d rows)", o.Shards, o.Rows)
	}
	if o.ImageSize == 0 {
		o.ImageSize = 256
	}
	if o.ImageSize < 32 || o.ImageSize > 2048 {
		return nil, fmt.Errorf("image size %d: must be 32-2048", o.ImageSize)
	}
	if o.RowGroups <= 0 {
		o.RowGroups = 50
	}
	if o.Quality == 0 {
		o.Quality = 88
	}
	if o.Subset != "" {
		if _, ok := subsetFolders[o.Subset]; !ok {
			return nil, fmt.Errorf("unknown subset %q (want one of aesthetics-part01, aesthetics-part02, imaginative, text)", o.Subset)
		}
	}
	g := synth.New(o.Seed)
	cache := &imageCache{imgs: map[string][]byte{}}
	// Shards per subset, so each file name says "NNNNN-of-TOTAL" like the published ones.
	plan := make([]string, o.Shards)
	counts := map[string]int{}
	for i := range plan {
		sub := o.Subset
		if sub == "" {
			sub = synth.Subsets[i%len(synth.Subsets)]
		}
		plan[i] = sub
		counts[sub]++
	}
	paths := make([]string, o.Shards)
	errs := make([]error, o.Shards)
	seq := map[string]int{}
	type job struct {
		i, k int
		sub  string
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				dir := filepath.Join(o.Out, subsetFolders[j.sub])
				name := fmt.Sprintf("fluxdb-%s-%05d-of-%05d.parquet", j.sub, j.k, counts[j.sub])
				paths[j.i] = filepath.Join(dir, name)
				errs[j.i] = writeShard(g, cache, o, j.sub, j.k, paths[j.i])
			}
		}()
	}
	for i, sub := range plan {
		if err := os.MkdirAll(filepath.Join(o.Out, subsetFolders[sub]), 0o755); err != nil {
			close(jobs)
			wg.Wait()
			return nil, err
		}
		jobs <- job{i, seq[sub], sub}
		seq[sub]++
	}
	close(jobs)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return paths, nil
}

func writeShard(g *synth.Generator, cache *imageCache, o GenOptions, sub string, k int, path string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	perGroup := (o.Rows + o.RowGroups - 1) / o.RowGroups
	// No min/max of the pictures in the footer, as pyarrow (statistics over 4 KB are not written) and
	// DuckDB write them: bounds holding whole pictures would make the footer megabytes.
	w := parquet.NewGenericWriter[FluxRow](f, parquet.Compression(&parquet.Snappy),
		parquet.MaxRowsPerRowGroup(int64(perGroup)), parquet.SkipPageBounds("image", "bytes"),
		parquet.PageBufferSize(64<<10))
	batch := make([]FluxRow, 0, perGroup)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := w.Write(batch); err != nil {
			return err
		}
		batch = batch[:0]
		return w.Flush()
	}
	for r := range o.Rows {
		idx := k*o.Rows + r
		content := idx
		if o.ImagePool > 0 {
			content = idx % o.ImagePool
		}
		s := g.Sample(sub, content)
		img, err := cache.get(g, s, o.ImageSize, o.Quality)
		if err != nil {
			f.Close()
			return err
		}
		if o.ImagePool == 0 {
			cache.mu.Lock()
			delete(cache.imgs, fmt.Sprintf("%s/%d", s.Subset, s.Index))
			cache.mu.Unlock()
		}
		batch = append(batch, FluxRowFromSample(fmt.Sprintf("%s-%08d", sub, idx), s, img))
		// A row at a time: parquet-go cuts a page only between writes, so one write of the whole group
		// makes megabyte pages of pictures, and reading one row would read them all.
		if _, err := w.Write(batch); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		batch = batch[:0]
		if (r+1)%perGroup == 0 {
			if err := flush(); err != nil {
				f.Close()
				return fmt.Errorf("write %s: %w", path, err)
			}
		}
	}
	if err := flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
