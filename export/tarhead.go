package export

import (
	"archive/tar"
	"bytes"
	"time"
)

// tarHeaders makes the headers of the webdataset shards' members (regular files, mode 0644, owned by
// 0:0, one modification time) without archive/tar's per-member work: a member whose name is plain ASCII
// of at most 100 bytes gets a copy of a template header with its name, size and checksum filled in,
// byte for byte what archive/tar writes for it in the PAX format; any other goes through archive/tar
// (a PAX record for the name).
type tarHeaders struct {
	mtime    time.Time
	template [512]byte
	fast     bool // the template is usable (the time needs no PAX record)
	slow     bytes.Buffer
}

const (
	tarBlock    = 512
	tarNameLen  = 100
	tarSizeOff  = 124
	tarSizeLen  = 12
	tarSumOff   = 148
	tarSumLen   = 8
	tarMaxOctal = 1<<33 - 1 // 11 octal digits
)

func newTarHeaders(mtime time.Time) *tarHeaders {
	t := &tarHeaders{mtime: mtime}
	b, err := t.archiveHeader("x", 0)
	if err == nil && len(b) == tarBlock {
		copy(t.template[:], b)
		clear(t.template[:tarNameLen])
		t.fast = true
	}
	return t
}

// header returns the header block(s) of a member (valid until the next call).
func (t *tarHeaders) header(dst []byte, name string, size int64) ([]byte, error) {
	if !t.fast || len(name) > tarNameLen || size < 0 || size > tarMaxOctal || !plainName(name) {
		b, err := t.archiveHeader(name, size)
		if err != nil {
			return nil, err
		}
		return append(dst, b...), nil
	}
	at := len(dst)
	dst = append(dst, t.template[:]...)
	h := dst[at : at+tarBlock]
	copy(h, name)
	// size: 11 octal digits and a NUL, as archive/tar's formatOctal writes them
	sz := h[tarSizeOff : tarSizeOff+tarSizeLen]
	octal(sz[:tarSizeLen-1], size)
	sz[tarSizeLen-1] = 0
	// checksum: the sum of the bytes with the field as spaces, 6 octal digits, a NUL and the space
	sum := h[tarSumOff : tarSumOff+tarSumLen]
	for i := range sum {
		sum[i] = ' '
	}
	var s int64
	for _, c := range h {
		s += int64(c)
	}
	octal(sum[:6], s)
	sum[6] = 0
	return dst, nil
}

// plainName reports whether a name needs no PAX record: printable ASCII, no NUL.
func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 0 || c >= 0x80 {
			return false
		}
	}
	return true
}

// octal writes v in octal, zero-padded to fill b.
func octal(b []byte, v int64) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + v&7)
		v >>= 3
	}
}

// archiveHeader is the member's header as archive/tar writes it.
func (t *tarHeaders) archiveHeader(name string, size int64) ([]byte, error) {
	t.slow.Reset()
	tw := tar.NewWriter(&t.slow) // never closed: only its headers are wanted
	h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o644, ModTime: t.mtime, Format: tar.FormatPAX}
	if err := tw.WriteHeader(h); err != nil {
		return nil, err
	}
	return t.slow.Bytes(), nil
}

// tarPad is the zero bytes that complete a member of n bytes to whole blocks.
func tarPad(n int64) int64 { return (tarBlock - n%tarBlock) % tarBlock }
