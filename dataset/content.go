package dataset

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/loupe-dev/loupe/review"
)

// ErrChanged says a source file changed since it was imported: reading it would hand out another row's
// or another file's content, so the read is refused.
var ErrChanged = errors.New("changed since it was imported")

// MaxPictureBytes bounds a picture file read into memory (a 1024 px FLUX JPEG is about 150 KB).
const MaxPictureBytes = 256 << 20

// OpenRegular opens path for reading without ever blocking on it: a FIFO, device, socket or folder
// (also behind a symlink) is refused with an error naming it, because opening a FIFO waits for a
// writer forever and reading a device never ends.
func OpenRegular(path string) (*os.File, fs.FileInfo, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s: not a regular file (it is %s); refused", path, fileKind(st.Mode()))
	}
	// back to blocking reads: a regular file never blocks, but the flag must not leak into callers
	if err := syscall.SetNonblock(fd, false); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a plain file"
}

// PictureFile is what an import records of a picture file so that later reads can tell it changed.
type PictureFile struct {
	Size int64
	Hash string // SHA-256 of the bytes, hex, first 16 bytes
}

// HashBytes is the content hash recorded for picture files.
func HashBytes(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}

// InspectPicture checks that path is a regular file holding a readable picture (header only for the
// check) and returns its size and content hash.
func InspectPicture(path string) (PictureFile, error) {
	f, st, err := OpenRegular(path)
	if err != nil {
		return PictureFile{}, imageErr(path, err)
	}
	defer f.Close()
	if st.Size() > MaxPictureBytes {
		return PictureFile{}, fmt.Errorf("image %s: %d bytes, over the %d MB limit", path, st.Size(), MaxPictureBytes>>20)
	}
	if err := checkHeader(path, f); err != nil {
		return PictureFile{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return PictureFile{}, err
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, MaxPictureBytes+1))
	if err != nil {
		return PictureFile{}, fmt.Errorf("image %s: %w", path, err)
	}
	sum := h.Sum(nil)
	return PictureFile{Size: n, Hash: hex.EncodeToString(sum[:16])}, nil
}

func imageErr(path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("image %s: %w", path, pe.Err)
	}
	return err
}

// Within reports whether path, with every symlink resolved, lies inside folder (also resolved).
func Within(path, folder string) (bool, error) {
	rp, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false, err
	}
	rf, err := filepath.EvalSymlinks(folder)
	if err != nil {
		return false, err
	}
	rel, err := filepath.Rel(rf, rp)
	if err != nil {
		return false, nil
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel), nil
}

// ReadPictureFile reads a picture file as an import recorded it: it must still be a regular file, lie
// inside ref.Root (symlinks resolved) when one is set, and have the recorded size and hash when they
// were recorded.
func ReadPictureFile(ref review.ImageRef) ([]byte, error) {
	if ref.Path == "" {
		return nil, errors.New("the item has no image file")
	}
	if ref.Root != "" {
		in, err := Within(ref.Path, ref.Root)
		if err != nil {
			return nil, imageErr(ref.Path, err)
		}
		if !in {
			return nil, fmt.Errorf("image %s: resolves outside %s, the folder it was imported from; refused (re-import with --allow-outside to accept it)", ref.Path, ref.Root)
		}
	}
	f, st, err := OpenRegular(ref.Path)
	if err != nil {
		return nil, imageErr(ref.Path, err)
	}
	defer f.Close()
	if ref.Size > 0 && st.Size() != ref.Size {
		return nil, changedFile(ref.Path, fmt.Sprintf("%d bytes, %d when imported", st.Size(), ref.Size))
	}
	if st.Size() > MaxPictureBytes {
		return nil, fmt.Errorf("image %s: %d bytes, over the %d MB limit", ref.Path, st.Size(), MaxPictureBytes>>20)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxPictureBytes+1))
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", ref.Path, err)
	}
	if ref.Hash != "" && HashBytes(b) != ref.Hash {
		return nil, changedFile(ref.Path, "its content differs")
	}
	return b, nil
}

func changedFile(path, why string) error {
	return fmt.Errorf("image %s: %w (%s); run `loupe import` on its folder again to refresh it", path, ErrChanged, why)
}

// checkShard refuses a shard whose size or modification time differ from what the import recorded.
func checkShard(ref review.ImageRef) error {
	if ref.Size == 0 && ref.MTime == 0 {
		return nil // nothing recorded
	}
	st, err := os.Stat(ref.Shard)
	if err != nil {
		return err
	}
	if st.Size() != ref.Size || st.ModTime().UnixNano() != ref.MTime {
		return fmt.Errorf("shard %s: %w (size or modification time differ); run `loupe import %s` to refresh it", ref.Shard, ErrChanged, ref.Shard)
	}
	return nil
}

// checkRowID refuses a row that holds another id than the item's.
func checkRowID(ref review.ImageRef, got string) error {
	if ref.ID != "" && got != ref.ID {
		return fmt.Errorf("shard %s: row %d holds id %q, not %q: the shard %w; run `loupe import %s` to refresh it",
			ref.Shard, ref.Row, got, ref.ID, ErrChanged, ref.Shard)
	}
	return nil
}

// ReadRow reads the captions and picture of the shard row an item points at, refusing a shard that
// changed since it was imported or a row that holds another item.
func ReadRow(ref review.ImageRef) (*ShardRow, error) {
	if ref.Shard == "" {
		return nil, errors.New("the item is not in a shard")
	}
	if err := checkShard(ref); err != nil {
		return nil, err
	}
	row, err := ReadShardRow(ref.Shard, ref.Row)
	if err != nil {
		return nil, err
	}
	if err := checkRowID(ref, row.ID); err != nil {
		return nil, err
	}
	return row, nil
}

// ReadRegular reads a whole regular file (see OpenRegular): never a FIFO or device.
func ReadRegular(path string) ([]byte, error) {
	f, _, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// maxFooter bounds the footer read for a fingerprint (the published shards' footers are a few hundred KB).
const maxFooter = 64 << 20

// ShardFingerprint identifies a Parquet shard's content without reading its data: "v2:" and a hash of its
// size, its schema, where each column chunk of each row group lies (offsets, sizes, value counts,
// codecs) and the file's first 4 KB (the start of the first column's pages: the first ids, so the row
// order). The same shard copied or moved elsewhere has the same fingerprint; a rewritten one (other row
// order, other rows) does not. The footer's statistics are left out: read on demand they are skipped,
// and in shards whose statistics hold whole pictures they are most of the footer (#16). A footer the
// fast reader does not handle falls back to LegacyShardFingerprint.
func ShardFingerprint(path string) (string, error) {
	f, st, err := OpenRegular(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fp, err := shardFingerprintAt(f, st.Size())
	if errors.Is(err, errUnsupported) {
		return LegacyShardFingerprint(path)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return fp, nil
}

// fingerprintHead is how much of a shard's start its fingerprint hashes.
const fingerprintHead = 4 << 10

func shardFingerprintAt(r io.ReaderAt, size int64) (string, error) {
	m, err := readFooter(r, size)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "v2:%d:%d:%d:", size, m.numRows, len(m.leaves))
	for _, l := range m.leaves {
		fmt.Fprintf(h, "%q/%d/%d/%t;", l.path, l.typ, l.maxDef, l.repeated)
	}
	for _, g := range m.groups {
		fmt.Fprintf(h, "g%d:", g.numRows)
		for _, c := range g.chunks {
			fmt.Fprintf(h, "%d/%d/%d/%d/%d;", c.codec, c.numValues, c.dataOffset, c.dictOffset, c.size)
		}
	}
	head := make([]byte, min(fingerprintHead, size))
	if _, err := r.ReadAt(head, 0); err != nil {
		return "", err
	}
	h.Write(head)
	return "v2:" + hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// LegacyShardFingerprint is the fingerprint of workspaces made before "v2:" ones: the shard's size and a
// hash of its whole footer (statistics included). Relocation still matches shards recorded with it.
func LegacyShardFingerprint(path string) (string, error) {
	f, st, err := OpenRegular(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	size := st.Size()
	if size < 12 {
		return "", fmt.Errorf("%s: too short for a Parquet file", path)
	}
	var tail [8]byte
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	n := int64(tail[0]) | int64(tail[1])<<8 | int64(tail[2])<<16 | int64(tail[3])<<24
	if string(tail[4:]) != "PAR1" || n <= 0 || n > size-12 || n > maxFooter {
		return "", fmt.Errorf("%s: not a readable Parquet file (bad footer)", path)
	}
	footer := make([]byte, n)
	if _, err := f.ReadAt(footer, size-8-n); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%d:", size)
	h.Write(footer)
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}
