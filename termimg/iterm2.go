package termimg

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"io"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/iterm2"
)

// maxOriginal is the largest original file sent as is to an iTerm2-protocol terminal.
const maxOriginal = 8 << 20

// ITerm2Image writes an OSC 1337 inline image over cols x rows cells. The original file bytes go when
// the terminal can decode them itself (PNG, JPEG, GIF) and they are not huge; otherwise the scaled
// picture, PNG-encoded.
func ITerm2Image(w io.Writer, src *Source, scaled *image.RGBA, cols, rows int, noMove bool) error {
	data := src.Data
	switch {
	case len(data) > 0 && len(data) <= maxOriginal && (src.Format == "png" || src.Format == "jpeg" || src.Format == "gif"):
	default:
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		if err := enc.Encode(&buf, scaled); err != nil {
			return err
		}
		data = buf.Bytes()
	}
	content := make([]byte, base64.StdEncoding.EncodedLen(len(data)))
	base64.StdEncoding.Encode(content, data)
	_, err := io.WriteString(w, ansi.ITerm2(iterm2.File{
		Name: "aW1hZ2U=", Size: int64(len(data)), Width: iterm2.Cells(cols), Height: iterm2.Cells(rows),
		Inline: true, DoNotMoveCursor: noMove, Content: content,
	}))
	return err
}
