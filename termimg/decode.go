package termimg

import (
	"context"
	"fmt"
	"image"
	"io"
	"os"

	"github.com/loupe-dev/loupe/internal/imagesafe"
)

// MaxPixels bounds the images Decode accepts (the program-wide limit of package imagesafe): a 60,000 x
// 60,000 header (a decompression bomb) would need 14 GB to decode.
const MaxPixels = imagesafe.MaxPixels

// MaxSide bounds either dimension.
const MaxSide = imagesafe.MaxSide

// ErrTooLarge is matched (errors.Is) by the error for images above MaxPixels or MaxSide.
var ErrTooLarge = imagesafe.ErrTooLarge

// Source is a decoded image and the encoded bytes it came from (kept for terminals that can show the
// original file, such as iTerm2).
type Source struct {
	Image  image.Image
	Format string // "png", "jpeg", "gif", "webp"
	Data   []byte
}

// DecodeBytes decodes an encoded image through the shared guard (package imagesafe): the header's
// dimensions are checked before any pixel is decoded, and the decode counts against the program's
// decode budget.
func DecodeBytes(data []byte) (*Source, error) {
	img, format, err := imagesafe.Decode(context.Background(), data)
	if err != nil {
		return nil, err
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
