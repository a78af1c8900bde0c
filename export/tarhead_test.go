package export

import (
	"archive/tar"
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestTarHeadersMatchArchiveTar: the webdataset shards' hand-made headers are byte for byte what
// archive/tar writes, for plain names, long ones, non-ASCII ones and sizes up to the octal limit.
func TestTarHeadersMatchArchiveTar(t *testing.T) {
	times := []time.Time{time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC), time.Unix(0, 0), time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)}
	names := []string{"a.jpg", "x", "key-0001.json", strings.Repeat("n", 100), strings.Repeat("n", 101), "é.png", "tab\there.json", "sp ace.json"}
	sizes := []int64{0, 1, 511, 512, 513, 123456789, tarMaxOctal, tarMaxOctal + 1}
	for _, mt := range times {
		th := newTarHeaders(mt)
		for _, name := range names {
			for _, size := range sizes {
				var want bytes.Buffer
				tw := tar.NewWriter(&want)
				if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o644, ModTime: mt, Format: tar.FormatPAX}); err != nil {
					t.Fatal(err)
				}
				got, err := th.header([]byte("prefix"), name, size)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got[6:], want.Bytes()) || string(got[:6]) != "prefix" {
					t.Errorf("%v %q %d: header differs from archive/tar's", mt, name, size)
				}
			}
		}
	}
}
