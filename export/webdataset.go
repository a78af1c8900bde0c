package export

import (
	"archive/tar"
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// WebDataset writes POSIX tar shards into the folder o.Out:
//
//	000000.tar, 000001.tar, ...   each a run of samples: <key>.<ext> (the picture, when there is one)
//	                              followed by <key>.json (the record's manifest line, see manifestLine,
//	                              with "image" naming the picture member), keys sorted within a shard
//	.loupe-export.json            progress: the finished shards (name, records, last record id, bytes)
//
// key is SafeName(id) with no dot (a dot starts the extension in WebDataset): a name that had dots has
// them replaced by "_" and a hash of the id added, so keys stay distinct; a key equal to an earlier
// one of the export but for case gets the id's hash too (the shards may be unpacked on macOS or
// Windows). The progress file is the export's manifest: --force removes the shards it lists.
// Members are regular files,
// mode 0644, owned by 0:0, timed at the export time (Card.Created when set). A shard closes at
// ShardRows records (default 10,000) or before a sample would take it past ShardBytes (default 1 GiB;
// a sample larger than that gets a shard of its own). A shard's pictures wait in a spool file in the
// output folder until the shard is written, so that its keys can be sorted; only its metadata is held
// in memory.
//
// Resume: with Options.Resume the shards the progress file lists (and whose size still matches) are
// kept; the first N records written are skipped, N being the records those shards hold (the caller
// writes records in the same order as before; the id that ended each kept shard is checked), and
// numbering continues after them. Shard files not listed, and leftover temporary files, are removed
// and written again. Abort keeps finished shards and the progress file, so that a later Resume can
// continue; Close marks the progress file complete.
type WebDataset struct {
	root     string
	rows     int
	maxBytes int64
	mtime    time.Time
	prog     wdsProgress
	skip     int // records the kept shards hold
	seen     int // records received
	check    int // resume: the kept shard that holds record seen
	checkAt  int // resume: the records before that shard
	spool    *os.File
	spoolLen int64
	entries  []wdsEntry
	names    names // the keys used so far in the export, by case-folded form
	size     int64 // the current shard's size, estimated
	lastID   string
	done     bool
}

type wdsEntry struct {
	key, ext string
	off, n   int64 // the picture in the spool (n == 0: none)
	meta     []byte
}

// progressName is the progress file in a sharded export's folder.
const progressName = ".loupe-export.json"

type wdsProgress struct {
	Format   string      `json:"format"`
	Shards   []shardInfo `json:"shards"`
	Complete bool        `json:"complete"`
}

type shardInfo struct {
	Name   string `json:"name"`
	Count  int    `json:"count"`
	LastID string `json:"last_id"`
	Bytes  int64  `json:"bytes"`
}

const (
	defaultShardRows  = 10000
	defaultShardBytes = 1 << 30
)

var shardPattern = regexp.MustCompile(`^[0-9]{6,}\.tar$`)

// wdsKey is a record's sample key: SafeName without dots.
func wdsKey(id string) string {
	s := SafeName(id)
	if strings.Contains(s, ".") {
		s = strings.ReplaceAll(s, ".", "_") + "-" + shortHash(id)
	}
	return s
}

// NewWebDataset starts a WebDataset export, or continues one with o.Resume.
func NewWebDataset(o Options) (Writer, error) {
	w := &WebDataset{root: o.Out, rows: o.ShardRows, maxBytes: o.ShardBytes, mtime: exportTime(o),
		names: names{}, prog: wdsProgress{Format: "webdataset"}}
	if w.rows <= 0 {
		w.rows = defaultShardRows
	}
	if w.maxBytes <= 0 {
		w.maxBytes = defaultShardBytes
	}
	if err := prepare(o.Out, o, o.Resume); err != nil {
		return nil, err
	}
	fi, err := os.Stat(o.Out)
	switch {
	case err == nil && !fi.IsDir():
		return nil, fmt.Errorf("%s: not a folder; a webdataset export is written to a folder", o.Out)
	case err == nil:
		if err := w.resume(); err != nil {
			return nil, err
		}
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(o.Out, 0o755); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	return w, nil
}

// resume reads the progress file of an existing output folder and keeps the shards it lists.
func (w *WebDataset) resume() error {
	ents, err := os.ReadDir(w.root)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(w.root, progressName))
	switch {
	case errors.Is(err, os.ErrNotExist):
		if len(ents) > 0 {
			return fmt.Errorf("%s: no %s progress file, so nothing to resume (use --force to replace the folder)", w.root, progressName)
		}
		return nil
	case err != nil:
		return err
	}
	var p wdsProgress
	if err := json.Unmarshal(b, &p); err != nil || p.Format != "webdataset" {
		return fmt.Errorf("%s: not the progress of a webdataset export (use --force to replace the folder)", filepath.Join(w.root, progressName))
	}
	keep := map[string]bool{}
	for i, s := range p.Shards {
		fi, err := os.Stat(filepath.Join(w.root, s.Name))
		if s.Name != fmt.Sprintf("%06d.tar", i) || err != nil || fi.Size() != s.Bytes || s.Count <= 0 {
			break
		}
		keep[s.Name] = true
		w.prog.Shards = append(w.prog.Shards, s)
		w.skip += s.Count
	}
	for _, e := range ents {
		n := e.Name()
		if shardPattern.MatchString(n) && !keep[n] || strings.HasPrefix(n, ".") && strings.Contains(n, ".tmp") {
			if err := os.Remove(filepath.Join(w.root, n)); err != nil {
				return err
			}
		}
	}
	return w.saveProgress()
}

func (w *WebDataset) saveProgress() error {
	b, err := json.MarshalIndent(w.prog, "", "  ")
	if err != nil {
		return err
	}
	return WriteAtomic(filepath.Join(w.root, progressName), append(b, '\n'))
}

// tarSize is the bytes a member takes: its header (and a PAX header for a long or non-ASCII name) and
// its data padded to 512-byte blocks.
func tarSize(name string, n int64) int64 {
	s := 512 + (n+511)/512*512
	if len(name) > 100 || strings.IndexFunc(name, func(r rune) bool { return r >= 0x80 }) >= 0 {
		s += 1024
	}
	return s
}

// Write adds a record to the current shard, closing the shard first when the record would take it past
// ShardBytes, and after it when it holds ShardRows records.
func (w *WebDataset) Write(r *Record) error {
	if w.done {
		return errors.New("webdataset export: write after close")
	}
	w.seen++
	// Kept shards' records take their names again, so that the names after them are what they were.
	key := w.names.take(r.ID, wdsKey(r.ID), "")
	if w.seen <= w.skip {
		for w.check < len(w.prog.Shards) && w.checkAt+w.prog.Shards[w.check].Count < w.seen {
			w.checkAt += w.prog.Shards[w.check].Count
			w.check++
		}
		if s := w.prog.Shards[w.check]; w.checkAt+s.Count == w.seen && s.LastID != r.ID {
			return fmt.Errorf("resume: record %d is %q, but shard %s ended with %q: the records changed since the interrupted export (use --force to export again)", w.seen, r.ID, s.Name, s.LastID)
		}
		return nil
	}
	e := wdsEntry{key: key}
	img := ""
	if len(r.Image) > 0 {
		e.ext = imageExt(r)
		img = key + "." + e.ext
	}
	meta, err := json.Marshal(lineOf(r, img))
	if err != nil {
		return fmt.Errorf("item %s: %w", r.ID, err)
	}
	e.meta = meta
	est := tarSize(key+".json", int64(len(meta)))
	if img != "" {
		est += tarSize(img, int64(len(r.Image)))
	}
	if len(w.entries) > 0 && w.size+est+1024 > w.maxBytes {
		if err := w.flush(); err != nil {
			return err
		}
	}
	if img != "" {
		if w.spool == nil {
			f, err := os.CreateTemp(w.root, ".loupe-spool-*.tmp")
			if err != nil {
				return err
			}
			w.spool = f
		}
		if _, err := w.spool.WriteAt(r.Image, w.spoolLen); err != nil {
			return err
		}
		e.off, e.n = w.spoolLen, int64(len(r.Image))
		w.spoolLen += e.n
	}
	w.entries = append(w.entries, e)
	w.size += est
	w.lastID = r.ID
	if len(w.entries) >= w.rows {
		return w.flush()
	}
	return nil
}

// flush writes the current shard (keys sorted), renames it into place and records it as finished.
func (w *WebDataset) flush() error {
	if len(w.entries) == 0 {
		return nil
	}
	name := fmt.Sprintf("%06d.tar", len(w.prog.Shards))
	path, err := inside(w.root, name)
	if err != nil {
		return err
	}
	sort.Slice(w.entries, func(i, j int) bool { return w.entries[i].key < w.entries[j].key })
	f, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	tw := tar.NewWriter(bw)
	member := func(name string, size int64, data io.Reader) error {
		h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o644, ModTime: w.mtime, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("%s: %s: %w", name, path, err)
		}
		_, err := io.Copy(tw, data)
		return err
	}
	err = func() error {
		for _, e := range w.entries {
			if e.n > 0 {
				if err := member(e.key+"."+e.ext, e.n, io.NewSectionReader(w.spool, e.off, e.n)); err != nil {
					return err
				}
			}
			if err := member(e.key+".json", int64(len(e.meta)), bytes.NewReader(e.meta)); err != nil {
				return err
			}
		}
		if err := tw.Close(); err != nil {
			return err
		}
		return bw.Flush()
	}()
	if err != nil {
		f.Abort()
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Abort()
		return err
	}
	if err := f.Commit(); err != nil {
		os.Remove(f.Name())
		return err
	}
	w.prog.Shards = append(w.prog.Shards, shardInfo{Name: name, Count: len(w.entries), LastID: w.lastID, Bytes: fi.Size()})
	w.entries, w.size = w.entries[:0], 0
	if w.spool != nil {
		if err := w.spool.Truncate(0); err != nil {
			return err
		}
		w.spoolLen = 0
	}
	return w.saveProgress()
}

func (w *WebDataset) dropSpool() {
	if w.spool != nil {
		w.spool.Close()
		os.Remove(w.spool.Name())
		w.spool = nil
	}
}

// Close writes the last shard and marks the progress file complete.
func (w *WebDataset) Close() error {
	if w.done {
		return nil
	}
	w.done = true
	defer w.dropSpool()
	if err := w.flush(); err != nil {
		return err
	}
	if w.seen < w.skip {
		return fmt.Errorf("resume: the kept shards hold %d records but only %d were written: the records changed since the interrupted export (use --force to export again)", w.skip, w.seen)
	}
	w.prog.Complete = true
	return w.saveProgress()
}

// Abort drops the unfinished shard; finished shards and the progress file stay for a later Resume.
func (w *WebDataset) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.entries = nil
	w.dropSpool()
}

// Files lists the finished shards.
func (w *WebDataset) Files() []string {
	out := make([]string, len(w.prog.Shards))
	for i, s := range w.prog.Shards {
		out[i] = s.Name
	}
	return out
}
