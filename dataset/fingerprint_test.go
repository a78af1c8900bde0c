package dataset

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/loupe-dev/loupe/dataset/synth"
	"github.com/parquet-go/parquet-go"
)

// pictureStatsShard is a shard of n rows whose 64 KB pictures make its footer's statistics large, as
// in shards of real pictures; shift moves which sample each row holds.
func pictureStatsShard(t testing.TB, n, perGroup, shift int) []byte {
	t.Helper()
	g := synth.New(5)
	rng := rand.New(rand.NewPCG(uint64(shift), 9))
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[FluxRow](&buf, parquet.MaxRowsPerRowGroup(int64(perGroup)))
	for i := range n {
		img := make([]byte, 64<<10)
		for k := range img {
			img[k] = byte(rng.Uint32())
		}
		r := FluxRowFromSample(fmt.Sprintf("text-%08d", i+shift), g.Sample("text", i+shift), img)
		if _, err := w.Write([]FluxRow{r}); err != nil {
			t.Fatal(err)
		}
		if (i+1)%perGroup == 0 {
			w.Flush()
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestFingerprintReadsLittle: fingerprinting a shard and telling whether loupe wrote it read the footer's
// small fields, not the statistics that hold whole pictures (#16: a cold import read every footer in
// full twice over).
func TestFingerprintReadsLittle(t *testing.T) {
	data := pictureStatsShard(t, 40, 4, 0)
	size := int64(len(data))
	footer := int64(binary.LittleEndian.Uint32(data[len(data)-8:]))
	cr := &countingReader{r: bytes.NewReader(data)}
	fp, err := shardFingerprintAt(cr, size)
	if err != nil {
		t.Fatal(err)
	}
	if cr.bytes > footer/2 {
		t.Errorf("fingerprint read %d bytes of a %d-byte footer", cr.bytes, footer)
	}
	cr = &countingReader{r: bytes.NewReader(data)}
	if isLoupeShardAt(cr, size) {
		t.Error("a FLUX shard taken for a loupe export")
	}
	if cr.bytes > footer/2 {
		t.Errorf("IsLoupeShard read %d bytes of a %d-byte footer", cr.bytes, footer)
	}

	// the same content elsewhere: the same fingerprint; other rows or another order: another
	dir := t.TempDir()
	p := filepath.Join(dir, "a.parquet")
	os.WriteFile(p, data, 0o644)
	got, err := ShardFingerprint(p)
	if err != nil || got != fp {
		t.Fatalf("by path %q, at %q: %v", got, fp, err)
	}
	other := pictureStatsShard(t, 40, 4, 1)
	if fo, err := shardFingerprintAt(bytes.NewReader(other), int64(len(other))); err != nil || fo == fp {
		t.Errorf("another shard: %q %v", fo, err)
	}
	legacy, err := LegacyShardFingerprint(p)
	if err != nil || legacy == fp || len(legacy) != 32 {
		t.Errorf("legacy fingerprint %q (%v) beside %q", legacy, err, fp)
	}
}
