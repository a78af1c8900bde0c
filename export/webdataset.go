package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
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
// a sample larger than that gets a shard of its own).
//
// A shard is written straight to its temporary file as records come, while their keys come in
// increasing order (an export in shard order of ids that sort as they were numbered), and the kernel
// is asked to start writing it to disk as it grows, so that the fsync that completes it has little
// left to do. From the first key out of order on, the temporary file is a spool: the rest of the
// shard's pictures and .json members are appended to it bare, and when the shard closes its members
// are copied from there, keys sorted, into a second temporary file that becomes the shard. Either way
// only the members' keys and places are held in memory.
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
	heads    *tarHeaders
	prog     wdsProgress
	skip     int        // records the kept shards hold
	seen     int        // records received
	check    int        // resume: the kept shard that holds record seen
	checkAt  int        // resume: the records before that shard
	cur      *shardFile // the current shard's temporary file (nil: none open)
	sorted   bool       // cur is the shard itself (keys so far in order), not a spool
	entries  []wdsEntry
	names    names // the keys used so far in the export, by case-folded form
	size     int64 // the current shard's size, estimated
	lastID   string
	enc      lineEncoder
	head     []byte // scratch for headers
	nshards  int    // shards finished or being committed: the next one's number
	// committing receives the result of the commit in progress (nil: none); commitErr is the last one's
	committing chan error
	commitErr  error
	done       bool
}

// wdsEntry is a sample of the current shard: its key, and where its picture (n == 0: none) and its
// .json member's bytes are in the shard's temporary file.
type wdsEntry struct {
	key, ext      string
	off, n        int64
	metaOff, meta int64
}

// shardFile is a shard's temporary file, written through a buffer; with writeback set, every
// writebackChunk bytes that reach the file are handed to the kernel to write out (startWriteback).
type shardFile struct {
	f         *AtomicFile
	buf       []byte
	off       int64 // bytes written, buffered ones included
	flushed   int64 // bytes in the file
	started   int64 // bytes whose writeback was started
	writeback bool
	err       error
}

const (
	shardBuffer    = 1 << 20
	writebackChunk = 8 << 20
)

func newShardFile(path string) (*shardFile, error) {
	f, err := CreateAtomic(path)
	if err != nil {
		return nil, err
	}
	return &shardFile{f: f, buf: make([]byte, 0, shardBuffer), writeback: true}, nil
}

func (s *shardFile) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if len(s.buf)+len(p) > cap(s.buf) {
		s.flush()
	}
	if len(p) >= cap(s.buf) && s.err == nil {
		s.writeFile(p)
	} else {
		s.buf = append(s.buf, p...)
	}
	s.off += int64(len(p))
	return len(p), s.err
}

// zeros writes n zero bytes (n < tarBlock*2).
func (s *shardFile) zeros(n int64) {
	var z [2 * tarBlock]byte
	s.Write(z[:n])
}

func (s *shardFile) writeFile(p []byte) {
	if s.err != nil {
		return
	}
	n, err := s.f.Write(p)
	s.flushed += int64(n)
	if err != nil {
		s.err = err
		return
	}
	if s.writeback && s.flushed-s.started >= writebackChunk {
		startWriteback(s.f.File, s.started, s.flushed-s.started)
		s.started = s.flushed
	}
}

func (s *shardFile) flush() error {
	if len(s.buf) > 0 {
		s.writeFile(s.buf)
		s.buf = s.buf[:0]
	}
	return s.err
}

// commit flushes the buffer and puts the file in place (AtomicFile.Commit).
func (s *shardFile) commit() error {
	if err := s.flush(); err != nil {
		s.f.Abort()
		return err
	}
	if err := s.f.Commit(); err != nil {
		os.Remove(s.f.Name())
		return err
	}
	return nil
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
	w := &WebDataset{root: o.Out, rows: o.ShardRows, maxBytes: o.ShardBytes, heads: newTarHeaders(exportTime(o)),
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
	w.nshards = len(w.prog.Shards)
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
	meta, err := w.enc.encode(r, img)
	if err != nil {
		return fmt.Errorf("item %s: %w", r.ID, err)
	}
	est := tarSize(key+".json", int64(len(meta)))
	if img != "" {
		est += tarSize(img, int64(len(r.Image)))
	}
	if len(w.entries) > 0 && w.size+est+1024 > w.maxBytes {
		if err := w.flush(); err != nil {
			return err
		}
	}
	if w.cur == nil {
		path, err := inside(w.root, w.shardName())
		if err != nil {
			return err
		}
		if w.cur, err = newShardFile(path); err != nil {
			return err
		}
		w.sorted = true
	}
	if w.sorted && len(w.entries) > 0 && key <= w.entries[len(w.entries)-1].key {
		w.sorted = false // from here on the file is a spool (see WebDataset)
		w.cur.writeback = false
	}
	if w.sorted {
		if img != "" {
			if e.off, err = w.member(w.cur, img, r.Image); err != nil {
				return err
			}
			e.n = int64(len(r.Image))
		}
		if e.metaOff, err = w.member(w.cur, key+".json", meta); err != nil {
			return err
		}
	} else {
		e.off, e.n = w.cur.off, int64(len(r.Image))
		w.cur.Write(r.Image)
		e.metaOff = w.cur.off
		if _, err := w.cur.Write(meta); err != nil {
			return err
		}
	}
	e.meta = int64(len(meta))
	w.entries = append(w.entries, e)
	w.size += est
	w.lastID = r.ID
	if len(w.entries) >= w.rows {
		return w.flush()
	}
	return nil
}

// member writes a tar member (header, data, padding) to f and returns where its data starts.
func (w *WebDataset) member(f *shardFile, name string, data []byte) (int64, error) {
	h, err := w.heads.header(w.head[:0], name, int64(len(data)))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	w.head = h
	f.Write(h)
	at := f.off
	f.Write(data)
	f.zeros(tarPad(int64(len(data))))
	return at, f.err
}

func (w *WebDataset) shardName() string { return fmt.Sprintf("%06d.tar", w.nshards) }

// flush completes the current shard (keys sorted) and starts its commit (see commit).
func (w *WebDataset) flush() error {
	if len(w.entries) == 0 {
		return nil
	}
	name := w.shardName()
	cur := w.cur
	w.cur = nil
	final := cur
	if w.sorted {
		cur.zeros(2 * tarBlock) // the end of the archive
		if err := cur.flush(); err != nil {
			cur.f.Abort()
			return fmt.Errorf("%s: %w", name, err)
		}
	} else {
		defer cur.f.Abort()
		if err := cur.flush(); err != nil {
			return err
		}
		path, err := inside(w.root, name)
		if err != nil {
			return err
		}
		sort.Slice(w.entries, func(i, j int) bool { return w.entries[i].key < w.entries[j].key })
		out, err := newShardFile(path)
		if err != nil {
			return err
		}
		var buf []byte
		read := func(off, n int64) ([]byte, error) {
			buf = slices.Grow(buf[:0], int(n))[:n]
			_, err := cur.f.ReadAt(buf, off)
			return buf, err
		}
		err = func() error {
			for _, e := range w.entries {
				if e.n > 0 {
					b, err := read(e.off, e.n)
					if err != nil {
						return err
					}
					if _, err := w.member(out, e.key+"."+e.ext, b); err != nil {
						return err
					}
				}
				b, err := read(e.metaOff, e.meta)
				if err != nil {
					return err
				}
				if _, err := w.member(out, e.key+".json", b); err != nil {
					return err
				}
			}
			out.zeros(2 * tarBlock)
			return out.flush()
		}()
		if err != nil {
			out.f.Abort()
			return fmt.Errorf("%s: %w", path, err)
		}
		final = out
	}
	info := shardInfo{Name: name, Count: len(w.entries), LastID: w.lastID, Bytes: final.off}
	w.entries, w.size = w.entries[:0], 0
	return w.commit(final, info)
}

// commit puts a written shard in place and records it as finished in the progress file, in the
// background while the next shard is written: the shard's fsync (AtomicFile.Commit) waits for the
// disk, the next records need the processor. One commit at a time, in shard order: a shard is listed
// only after it is durable under its name, and the shards before it are listed. An error comes back
// from the next flush, Close or Files.
func (w *WebDataset) commit(f *shardFile, info shardInfo) error {
	if err := w.wait(); err != nil {
		f.f.Abort()
		return err
	}
	w.nshards++
	ch := make(chan error, 1)
	w.committing = ch
	go func() {
		err := f.commit()
		if err == nil {
			w.prog.Shards = append(w.prog.Shards, info)
			err = w.saveProgress()
		}
		if err != nil {
			err = fmt.Errorf("%s: %w", info.Name, err)
		}
		ch <- err
	}()
	return nil
}

// wait waits for the commit in progress, if any, and returns its error.
func (w *WebDataset) wait() error {
	if w.committing == nil {
		return w.commitErr
	}
	w.commitErr = <-w.committing
	w.committing = nil
	return w.commitErr
}

// Close writes the last shard and marks the progress file complete.
func (w *WebDataset) Close() error {
	if w.done {
		return nil
	}
	w.done = true
	if err := w.flush(); err != nil {
		w.wait()
		return err
	}
	if err := w.wait(); err != nil {
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
	w.wait()
	w.entries = nil
	if w.cur != nil {
		w.cur.f.Abort()
		w.cur = nil
	}
}

// Files lists the finished shards.
func (w *WebDataset) Files() []string {
	w.wait()
	out := make([]string, len(w.prog.Shards))
	for i, s := range w.prog.Shards {
		out[i] = s.Name
	}
	return out
}
