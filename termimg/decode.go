package termimg

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // decoders for Decode
	_ "image/jpeg" // "
	_ "image/png"  // "
	"io"
	"os"

	_ "golang.org/x/image/webp" // "
)

// MaxPixels bounds the images Decode accepts: a 60,000 x 60,000 header (a decompression bomb) would
// need 14 GB to decode.
const MaxPixels = 50_000_000

// MaxSide bounds either dimension.
const MaxSide = 20_000

// ErrTooLarge is returned for images above MaxPixels or MaxSide.
var ErrTooLarge = errors.New("image too large")

// Source is a decoded image and the encoded bytes it came from (kept for terminals that can show the
// original file, such as iTerm2).
type Source struct {
	Image  image.Image
	Format string // "png", "jpeg", "gif", "webp"
	Data   []byte
}

// DecodeBytes decodes an encoded image after checking its header's dimensions.
func DecodeBytes(data []byte) (*Source, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not a readable image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("image has no pixels (%dx%d)", cfg.Width, cfg.Height)
	}
	if cfg.Width > MaxSide || cfg.Height > MaxSide || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fmt.Errorf("%w: %dx%d %s (limit %d pixels, %d a side)", ErrTooLarge, cfg.Width, cfg.Height, format, MaxPixels, MaxSide)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("corrupt %s image: %w", format, err)
	}
	return &Source{Image: img, Format: format, Data: data}, nil
}

// DecodeFile reads and decodes an image file (at most 256 MiB of it).
func DecodeFile(path string) (*Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	src, err := DecodeBytes(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return src, nil
}
