package dataset

import (
	"fmt"
	"image"
	_ "image/gif"  // register decoders for image checks
	_ "image/jpeg" // "
	_ "image/png"  // "
	"io"

	_ "golang.org/x/image/webp" // "
)

// ImageExts are the file extensions image folders are scanned for.
var ImageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".webp": true, ".gif": true}

// checkImage reports whether path is a regular file holding a readable image, reading only its header.
func checkImage(path string) error {
	f, _, err := OpenRegular(path)
	if err != nil {
		return imageErr(path, err)
	}
	defer f.Close()
	return checkHeader(path, f)
}

// checkHeader reads an image header and refuses an unreadable or implausibly large picture.
func checkHeader(path string, r io.Reader) error {
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return fmt.Errorf("image %s: not a readable image (%v)", path, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > 1<<15 || cfg.Height > 1<<15 {
		return fmt.Errorf("image %s: implausible size %dx%d", path, cfg.Width, cfg.Height)
	}
	return nil
}
