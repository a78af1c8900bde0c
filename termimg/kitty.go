package termimg

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"container/list"
	"encoding/base64"
	"fmt"
	"image"
	"io"
	"strings"
	"sync"

	"github.com/charmbracelet/x/ansi/kitty"
)

// kittyChunk is the raw bytes per APC chunk: 3,072 bytes make the 4,096 base64 characters kitty allows.
const kittyChunk = 3072

// KittyAction says what a kitty transmission does.
type KittyAction byte

// Kitty actions.
const (
	KittyStore   KittyAction = 't' // keep the image under its id, show nothing yet
	KittyDisplay KittyAction = 'T' // transmit and show at the cursor
)

// KittyImageZ writes img with the kitty graphics protocol: RGB (or RGBA when it has transparency)
// pixels zlib-compressed (o=z; a few milliseconds more to encode, typically a third to a tenth of the
// bytes), base64 in 4,096-byte chunks, no temporary files, so it works over ssh too. id 0 lets the
// terminal choose (display only); cols and rows scale the picture to that many cells (0: natural size);
// noMove keeps the cursor where it was. Replies are suppressed (q=2).
func KittyImageZ(w io.Writer, img *image.RGBA, action KittyAction, id, cols, rows int, noMove bool) error {
	return kittyImage(w, img, action, id, cols, rows, noMove, true)
}

func kittyImage(w io.Writer, img *image.RGBA, action KittyAction, id, cols, rows int, noMove, compress bool) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	b := img.Rect
	format, bpp := 24, 3
	if !img.Opaque() {
		format, bpp = 32, 4
	}
	var keys strings.Builder
	fmt.Fprintf(&keys, "a=%c,q=2,f=%d,s=%d,v=%d", action, format, b.Dx(), b.Dy())
	if id > 0 {
		fmt.Fprintf(&keys, ",i=%d", id)
	}
	if cols > 0 && rows > 0 {
		fmt.Fprintf(&keys, ",c=%d,r=%d", cols, rows)
	}
	if noMove {
		keys.WriteString(",C=1")
	}
	if compress {
		keys.WriteString(",o=z")
	}
	// Pixels, packed without the alpha byte when opaque.
	var raw []byte
	if bpp == 4 && img.Stride == b.Dx()*4 {
		raw = img.Pix[:b.Dx()*b.Dy()*4]
	} else {
		raw = make([]byte, 0, b.Dx()*b.Dy()*bpp)
		for y := 0; y < b.Dy(); y++ {
			row := img.Pix[y*img.Stride : y*img.Stride+b.Dx()*4]
			if bpp == 4 {
				raw = append(raw, row...)
				continue
			}
			for x := 0; x < len(row); x += 4 {
				raw = append(raw, row[x], row[x+1], row[x+2])
			}
		}
	}
	if compress {
		var zb bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&zb, zlib.BestSpeed)
		zw.Write(raw)
		zw.Close()
		raw = zb.Bytes()
	}
	enc := make([]byte, base64.StdEncoding.EncodedLen(kittyChunk))
	for off := 0; off < len(raw) || off == 0; off += kittyChunk {
		end := min(off+kittyChunk, len(raw))
		more := 0
		if end < len(raw) {
			more = 1
		}
		bw.WriteString("\x1b_G")
		if off == 0 {
			bw.WriteString(keys.String())
			fmt.Fprintf(bw, ",m=%d;", more)
		} else {
			fmt.Fprintf(bw, "m=%d,q=2;", more)
		}
		n := base64.StdEncoding.EncodedLen(end - off)
		base64.StdEncoding.Encode(enc[:n], raw[off:end])
		bw.Write(enc[:n])
		bw.WriteString("\x1b\\")
		if end == len(raw) {
			break
		}
	}
	return bw.Flush()
}

// KittyPlaceVirtual creates a virtual placement of a stored image over cols x rows cells, for Unicode
// placeholders (kitty >= 0.28, Ghostty).
func KittyPlaceVirtual(id, cols, rows int) string {
	return fmt.Sprintf("\x1b_Ga=p,U=1,q=2,i=%d,c=%d,r=%d\x1b\\", id, cols, rows)
}

// KittyPlace shows a stored image (KittyStore under id) at the cursor over cols x rows cells, leaving
// the cursor where it is.
func KittyPlace(id, cols, rows int) string {
	return fmt.Sprintf("\x1b_Ga=p,q=2,i=%d,c=%d,r=%d,C=1\x1b\\", id, cols, rows)
}

// KittyClearPlacements removes every kitty picture placed on the screen and keeps the stored images
// (placed again by id without sending them again).
func KittyClearPlacements() string { return "\x1b_Ga=d,d=a,q=2\x1b\\" }

// KittyDeletePlacements removes every kitty picture placed on the screen and frees pictures shown
// without an id: erasing cells, as for sixel, does not remove kitty pictures, which float above the text.
func KittyDeletePlacements() string { return "\x1b_Ga=d,d=A,q=2\x1b\\" }

// KittyDelete deletes an image and frees its data.
func KittyDelete(id int) string { return fmt.Sprintf("\x1b_Ga=d,d=I,q=2,i=%d\x1b\\", id) }

// KittyPlaceholders returns cols x rows cells of Unicode placeholders showing image id (1-255, given as
// a 256-colour foreground so colour-profile downgrades keep it), one string per row, each ending with a
// colour reset. A TUI renders them as ordinary text.
func KittyPlaceholders(id, cols, rows int) []string {
	out := make([]string, rows)
	for r := range rows {
		var b strings.Builder
		fmt.Fprintf(&b, "\x1b[38;5;%dm", id)
		for c := range cols {
			b.WriteRune(kitty.Placeholder)
			b.WriteRune(kitty.Diacritic(r))
			b.WriteRune(kitty.Diacritic(c))
		}
		b.WriteString("\x1b[39m")
		out[r] = b.String()
	}
	return out
}

// KittyIDs hands out image ids 1-255 for keys, reusing the least recently used id when all are taken.
// It is safe for concurrent use.
type KittyIDs struct {
	mu    sync.Mutex // guards all below
	byKey map[string]*list.Element
	lru   *list.List // front: most recent; values are *kittySlot
	next  int
}

type kittySlot struct {
	key string
	id  int
}

// NewKittyIDs returns an empty id table.
func NewKittyIDs() *KittyIDs {
	return &KittyIDs{byKey: map[string]*list.Element{}, lru: list.New(), next: 1}
}

// Acquire returns the id for key. fresh says the image must be transmitted under it; evicted, when not
// zero, is the id taken from another key (delete that image first: same number, new picture).
func (k *KittyIDs) Acquire(key string) (id int, fresh bool, evicted int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if e, ok := k.byKey[key]; ok {
		k.lru.MoveToFront(e)
		return e.Value.(*kittySlot).id, false, 0
	}
	if k.next <= 255 {
		id = k.next
		k.next++
	} else {
		e := k.lru.Back()
		s := e.Value.(*kittySlot)
		delete(k.byKey, s.key)
		k.lru.Remove(e)
		id, evicted = s.id, s.id
	}
	k.byKey[key] = k.lru.PushFront(&kittySlot{key, id})
	return id, true, evicted
}

// All returns every id in use (to delete them on exit).
func (k *KittyIDs) All() []int {
	k.mu.Lock()
	defer k.mu.Unlock()
	var ids []int
	for e := k.lru.Front(); e != nil; e = e.Next() {
		ids = append(ids, e.Value.(*kittySlot).id)
	}
	return ids
}
