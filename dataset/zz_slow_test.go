package dataset

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

func TestZZSlowPathRows(t *testing.T) {
	s := parquetSeeds(t)[0]
	n := int(binary.LittleEndian.Uint32(s[len(s)-8:]))
	var md format.FileMetaData
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), s[len(s)-8-n:len(s)-8], &md); err != nil {
		t.Fatal(err)
	}
	md.NumRows = 1 << 24
	fb, err := thrift.Marshal(new(thrift.CompactProtocol), &md)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.Write(s[:len(s)-8-n])
	out.Write(fb)
	binary.Write(&out, binary.LittleEndian, uint32(len(fb)))
	out.WriteString("PAR1")
	p := filepath.Join(t.TempDir(), "x.parquet")
	os.WriteFile(p, out.Bytes(), 0o644)
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	_, err = IndexShard(p)
	runtime.ReadMemStats(&b)
	t.Logf("file %d bytes claiming %d rows: %v, allocated %d MB", out.Len(), md.NumRows, err, (b.TotalAlloc-a.TotalAlloc)>>20)
}
