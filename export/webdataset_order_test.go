package export

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"
)

// referenceShard is a shard as archive/tar writes it: the records' members, keys sorted.
func referenceShard(t *testing.T, recs []Record, mtime time.Time) []byte {
	t.Helper()
	type member struct {
		key  string
		img  string
		data []byte
		meta []byte
	}
	var ms []member
	for i := range recs {
		r := &recs[i]
		m := member{key: wdsKey(r.ID)}
		if len(r.Image) > 0 {
			m.img, m.data = m.key+"."+imageExt(r), r.Image
		}
		b, err := json.Marshal(lineOf(r, m.img))
		if err != nil {
			t.Fatal(err)
		}
		m.meta = b
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].key < ms[j].key })
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	add := func(name string, data []byte) {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(data)), Mode: 0o644, ModTime: mtime, Format: tar.FormatPAX}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	for _, m := range ms {
		if m.img != "" {
			add(m.img, m.data)
		}
		add(m.key+".json", m.meta)
	}
	tw.Close()
	return out.Bytes()
}

// TestWebDatasetAnyOrderSameShard: whether the records come with their keys in order (the shard is
// written straight through), in reverse or shuffled (the shard is spooled and sorted), or out of order
// only from the middle on, the shard is byte for byte what archive/tar writes with the keys sorted;
// long and non-ASCII keys included (PAX records).
func TestWebDatasetAnyOrderSameShard(t *testing.T) {
	var recs []Record
	for i := range 40 {
		id := fmt.Sprintf("item-%03d", i)
		switch i {
		case 7:
			id = "item-007-" + string(bytes.Repeat([]byte("long"), 40))
		case 13:
			id = "item-013-é"
		}
		r := Record{ID: id, Kind: "sample", Decision: "unreviewed",
			Texts: map[string]map[string]string{"detail": {"en": fmt.Sprintf("caption %d <&>", i)}}}
		if i%5 != 4 {
			r = withImage(r, bytes.Repeat([]byte{byte(i)}, 100+i*37))
			r.Image[0], r.Image[1], r.Image[2] = 0xff, 0xd8, 0xff
			r.ImageExt = "jpg"
		}
		recs = append(recs, r)
	}
	sorted := slices.Clone(recs)
	sort.Slice(sorted, func(i, j int) bool { return wdsKey(sorted[i].ID) < wdsKey(sorted[j].ID) })
	mtime := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	want := referenceShard(t, recs, mtime)
	reversed := slices.Clone(sorted)
	slices.Reverse(reversed)
	shuffled := slices.Clone(sorted)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	late := slices.Clone(sorted)
	late[30], late[31] = late[31], late[30]
	for name, order := range map[string][]Record{"sorted": sorted, "reversed": reversed, "shuffled": shuffled, "late": late} {
		out := filepath.Join(t.TempDir(), "wds")
		w, err := New("webdataset", Options{Out: out, Card: card})
		if err != nil {
			t.Fatal(err)
		}
		writeAll(t, w, order)
		if got := readFile(t, filepath.Join(out, "000000.tar")); !bytes.Equal(got, want) {
			t.Errorf("%s: the shard differs from archive/tar's (%d bytes, want %d)", name, len(got), len(want))
		}
		noTemps(t, out)
		if ents, _ := os.ReadDir(out); len(ents) != 2 {
			t.Errorf("%s: %d files in the output", name, len(ents))
		}
	}
}
