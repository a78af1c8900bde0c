// Package imagesafe decodes pictures from outside - dataset shards, manifests, generators, files on the
// command line - without letting one of them exhaust the machine. Every picture loupe decodes goes
// through it: the viewer and review screen (package termimg), judge request preparation, the OCR and
// rules judges and the pipeline steps.
//
// Three guards stand between the bytes and a decoder:
//
//   - the header check (Check) reads only the picture's header (image.DecodeConfig) and refuses a
//     picture with no pixels or one over MaxPixels or MaxSide, so a decompression bomb - a small file
//     whose header claims 30,000 x 30,000 pixels - fails at once with a clear error instead of
//     allocating gigabytes;
//   - a pixel limit: MaxPixels (64 Mpx) is 61 times a FLUX picture (1024 x 1024) and more than nearly
//     every camera makes (a few medium-format ones reach 100 Mpx: their pictures are refused), while a
//     30,000 x 30,000 bomb is 900 Mpx;
//   - a memory bound: the decoded pixels (Cost) of the pictures being decoded or used at once, across
//     the whole program, stay within DecodeBudget. Sixteen judge workers that each meet a 64 Mpx RGBA
//     PNG (256 MB decoded) take turns, four at a time, instead of holding 4 GB; a picture that alone
//     needs more than the budget is decoded when nothing else is.
//
// The package registers the PNG, JPEG, GIF and WebP decoders, so every decoding path reads the same
// formats. It imports nothing of loupe's.
package imagesafe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // decoders for Check and Decode
	_ "image/jpeg" // "
	_ "image/png"  // "
	"strconv"
	"strings"

	_ "golang.org/x/image/webp" // "
)

// MaxPixels is the most pixels a picture may have: 64 Mpx (8,000 x 8,000; 256 MB as RGBA).
const MaxPixels = 64_000_000

// MaxSide is the most pixels a picture may have on either side.
const MaxSide = 20_000

// DecodeBudget is the most decoded pixel bytes (see Cost) held at once by the decodes and uses in
// flight in the whole program: 1 GiB.
const DecodeBudget = 1 << 30

// ErrTooLarge is matched (errors.Is) by the error for a picture over MaxPixels or MaxSide.
var ErrTooLarge = errors.New("picture too large")

// ErrUnreadable is matched (errors.Is) by the error for bytes whose header is not a picture of a
// registered format, or claims no pixels.
var ErrUnreadable = errors.New("not a readable picture")

// TooLargeError is the error for a picture over the limits; it says the picture's size and the limit
// it breaks: "picture is 30000x30000 (900 Mpx), over the 64 Mpx limit".
type TooLargeError struct {
	Width, Height int
	Format        string // "png", "jpeg", "gif", "webp"
}

// Error implements error.
func (e *TooLargeError) Error() string {
	px := int64(e.Width) * int64(e.Height)
	if px > MaxPixels {
		size := mpx(px, 1)
		if size == mpx(MaxPixels, 1) {
			size = mpx(px, -1) // just over: every digit
		}
		return fmt.Sprintf("picture is %dx%d (%s Mpx), over the %s Mpx limit", e.Width, e.Height, size, mpx(MaxPixels, 1))
	}
	return fmt.Sprintf("picture is %dx%d (%s Mpx), over the limit of %d pixels a side", e.Width, e.Height, mpx(px, 1), MaxSide)
}

// Is reports whether target is ErrTooLarge.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// mpx writes px in megapixels with prec decimals (-1: as many as needed), without a trailing ".0".
func mpx(px int64, prec int) string {
	return strings.TrimSuffix(strconv.FormatFloat(float64(px)/1e6, 'f', prec, 64), ".0")
}

// Check reads data's header and returns the picture's size, colour model and format, or an error when
// the header is not one of a picture of a registered format (ErrUnreadable), claims no pixels
// (ErrUnreadable) or claims more than MaxPixels or MaxSide (ErrTooLarge). It decodes no pixels.
func Check(data []byte) (image.Config, string, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return cfg, format, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return cfg, format, fmt.Errorf("%w: its %s header says %dx%d", ErrUnreadable, format, cfg.Width, cfg.Height)
	}
	if cfg.Width > MaxSide || cfg.Height > MaxSide || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return cfg, format, &TooLargeError{Width: cfg.Width, Height: cfg.Height, Format: format}
	}
	return cfg, format, nil
}

// Cost is the memory a picture's decode needs, in bytes: its pixel buffer (1 byte a pixel for grey
// and palette pictures, 2 for 16-bit grey, 3 for JPEG's Y'CbCr at worst, 4 for RGBA and CMYK, 8 for
// 64-bit RGBA), plus, for a JPEG, the 4 bytes a pixel and component that a progressive JPEG keeps as
// coefficients while it decodes.
func Cost(cfg image.Config, format string) int64 {
	px := int64(max(cfg.Width, 0)) * int64(max(cfg.Height, 0))
	var per, components int64
	switch cfg.ColorModel.(type) {
	case color.Palette:
		per, components = 1, 1
	default:
		switch cfg.ColorModel {
		case color.GrayModel, color.AlphaModel:
			per, components = 1, 1
		case color.Gray16Model, color.Alpha16Model:
			per, components = 2, 1
		case color.YCbCrModel, color.NYCbCrAModel:
			per, components = 3, 3
		case color.RGBA64Model, color.NRGBA64Model:
			per, components = 8, 4
		default: // RGBA, NRGBA, CMYK and anything unknown
			per, components = 4, 4
		}
	}
	if format == "jpeg" {
		per += 4 * components
	}
	return px * per
}

// Decode checks data's header (see Check) and decodes the picture, holding its Cost against
// DecodeBudget while it decodes; it waits for budget until ctx is done. A decoder that fails (or
// panics) on corrupt data gives an error naming the format.
func Decode(ctx context.Context, data []byte) (image.Image, string, error) {
	cfg, format, err := Check(data)
	if err != nil {
		return nil, format, err
	}
	n := Cost(cfg, format)
	if err := pixels.acquire(ctx, n); err != nil {
		return nil, format, err
	}
	defer pixels.release(n)
	img, err := decode(data, format)
	return img, format, err
}

// Use checks and decodes data as Decode does and calls fn with the picture, holding the picture's Cost
// against DecodeBudget until fn returns, so the pixels of the pictures in use at once stay bounded too.
// fn's error is returned as it is. fn must not decode another picture through this package (it could
// wait for budget that it holds itself).
func Use(ctx context.Context, data []byte, fn func(img image.Image, format string) error) error {
	cfg, format, err := Check(data)
	if err != nil {
		return err
	}
	n := Cost(cfg, format)
	if err := pixels.acquire(ctx, n); err != nil {
		return err
	}
	defer pixels.release(n)
	img, err := decode(data, format)
	if err != nil {
		return err
	}
	return fn(img, format)
}

// decode runs the decoders on data whose header passed Check, turning a decoder's panic on hostile
// data into an error: one bad picture is one item's failure, never the end of a run.
func decode(data []byte, format string) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("corrupt %s picture: the decoder failed: %v", format, r)
		}
	}()
	img, _, err = image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("corrupt %s picture: %w", format, err)
	}
	// The header passed; a decoder whose result disagrees with it is not trusted either.
	if b := img.Bounds(); b.Dx() > MaxSide || b.Dy() > MaxSide || int64(b.Dx())*int64(b.Dy()) > MaxPixels {
		return nil, &TooLargeError{Width: b.Dx(), Height: b.Dy(), Format: format}
	}
	return img, nil
}
