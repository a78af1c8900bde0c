package dataset

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"
)

// TestGeneratedShardRowReadIsSmall: one row read on demand from a shard `loupe demo gen` wrote reads at
// most twice the row's share of its row group plus the footer (for 1024 px pictures, where pictures
// are most of a row) (#16: the generator wrote a row group's
// pictures as megabyte pages, so showing one item read them all).
func TestGeneratedShardRowReadIsSmall(t *testing.T) {
	paths, err := WriteShards(GenOptions{Out: t.TempDir(), Shards: 1, Rows: 60, Seed: 7, ImageSize: 1024, ImagePool: 3, RowGroups: 2})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	footer := int64(binary.LittleEndian.Uint32(data[len(data)-8:]))
	m, err := parseFooter(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []int64{3, 31, 58} {
		gi, base := 0, int64(0)
		for row >= base+m.groups[gi].numRows {
			base += m.groups[gi].numRows
			gi++
		}
		var group int64
		for _, c := range m.groups[gi].chunks {
			group += c.size
		}
		share := group / m.groups[gi].numRows
		cr := &countingReader{r: bytes.NewReader(data)}
		s := &shard{path: paths[0], r: cr, size: int64(len(data))}
		if err := s.prepare(); err != nil {
			t.Fatal(err)
		}
		before := cr.bytes
		var out ShardRow
		if err := s.readRow(row, &out); err != nil || len(out.Image) == 0 {
			t.Fatalf("row %d: %v (%d image bytes)", row, err, len(out.Image))
		}
		// the footer's first read is footerGuess bytes of the file's end
		if read := cr.bytes; read > 2*share+max(footer, footerGuess) {
			t.Errorf("row %d: read %d bytes (footer %d, row after it %d); bound 2 x %d + %d", row, read, before, read-before, share, footer)
		}
	}
}
