package dataset

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/review"
)

func TestOpenRegularRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "p.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("mkfifo:", err)
	}
	link := filepath.Join(dir, "l.png")
	os.Symlink(fifo, link)
	cases := map[string]string{fifo: "a FIFO", link: "a FIFO", dir: "a directory", "/dev/null": "a character device"}
	for path, kind := range cases {
		done := make(chan error, 1)
		go func() {
			f, _, err := OpenRegular(path)
			if f != nil {
				f.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), kind) || !strings.Contains(err.Error(), path) {
				t.Errorf("%s: %v, want an error naming it as %s", path, err, kind)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: OpenRegular blocks", path)
		}
	}
	if err := checkImage(fifo); err == nil {
		t.Error("checkImage accepted a FIFO")
	}
	if _, err := ReadRegular(fifo); err == nil {
		t.Error("ReadRegular accepted a FIFO")
	}
}

func TestReadPictureFileChecks(t *testing.T) {
	dir := t.TempDir()
	set := filepath.Join(dir, "set")
	os.Mkdir(set, 0o755)
	pic := filepath.Join(set, "a.png")
	data := tinyPNG(t)
	os.WriteFile(pic, data, 0o644)
	rec, err := InspectPicture(pic)
	if err != nil || rec.Size != int64(len(data)) || rec.Hash != HashBytes(data) {
		t.Fatalf("InspectPicture: %+v %v", rec, err)
	}
	ref := review.ImageRef{Path: pic, Size: rec.Size, Hash: rec.Hash, Root: set}
	if b, err := ReadPictureFile(ref); err != nil || string(b) != string(data) {
		t.Fatalf("unchanged picture: %v", err)
	}
	// same size, other content
	other := append([]byte(nil), data...)
	other[len(other)-5] ^= 0xff
	os.WriteFile(pic, other, 0o644)
	if _, err := ReadPictureFile(ref); !errors.Is(err, ErrChanged) {
		t.Fatalf("changed content: %v", err)
	}
	// other size
	os.WriteFile(pic, append(data, 0), 0o644)
	if _, err := ReadPictureFile(ref); !errors.Is(err, ErrChanged) {
		t.Fatalf("changed size: %v", err)
	}
	// a symlink out of the folder
	outside := filepath.Join(dir, "secret")
	os.WriteFile(outside, data, 0o644)
	os.Remove(pic)
	os.Symlink(outside, pic)
	if _, err := ReadPictureFile(ref); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Fatalf("symlink out of the folder: %v", err)
	}
	ref.Root = "" // allowed outside at import
	if _, err := ReadPictureFile(ref); err != nil {
		t.Fatalf("allowed outside: %v", err)
	}
}

func TestShardRowIdentityChecked(t *testing.T) {
	dir := t.TempDir()
	paths, err := WriteShards(GenOptions{Out: dir, Shards: 1, Rows: 12, Seed: 1, Subset: "text", ImageSize: 32, RowGroups: 3})
	if err != nil {
		t.Fatal(err)
	}
	p := paths[0]
	st, _ := os.Stat(p)
	row, err := ReadShardRow(p, 4)
	if err != nil {
		t.Fatal(err)
	}
	ref := review.ImageRef{Shard: p, Row: 4, ID: row.ID, Size: st.Size(), MTime: st.ModTime().UnixNano()}
	if _, err := ReadRow(ref); err != nil {
		t.Fatal(err)
	}
	bad := ref
	bad.ID = "text-99999999"
	if _, err := ReadRow(bad); !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "loupe import") {
		t.Fatalf("another row's id: %v", err)
	}
	sc, err := OpenShardScanner(p)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	if _, err := sc.Item(bad); !errors.Is(err, ErrChanged) {
		t.Fatalf("scanner, another row's id: %v", err)
	}
	stale := ref
	stale.MTime++
	if _, err := ReadRow(stale); !errors.Is(err, ErrChanged) {
		t.Fatalf("changed mtime: %v", err)
	}
	fp1, err := ShardFingerprint(p)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(dir, "copy.parquet")
	b, _ := os.ReadFile(p)
	os.WriteFile(cp, b, 0o644)
	if fp2, _ := ShardFingerprint(cp); fp2 != fp1 {
		t.Fatal("a copy has another fingerprint")
	}
	os.WriteFile(cp, b[:len(b)-3], 0o644)
	if _, err := ShardFingerprint(cp); err == nil {
		t.Fatal("a truncated shard was fingerprinted")
	}
}

func FuzzShardFingerprint(f *testing.F) {
	f.Add([]byte("PAR1\x04\x00\x00\x00PAR1"))
	f.Add([]byte("PAR1abcd\x04\x00\x00\x00PAR1"))
	f.Add([]byte("\xff\xff\xff\x7fPAR1"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "s.parquet")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Skip()
		}
		ShardFingerprint(p) // must not panic or allocate beyond the file's size
	})
}

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
