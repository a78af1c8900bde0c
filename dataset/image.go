package dataset

import (
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // register decoders for image checks
	_ "image/jpeg" // "
	_ "image/png"  // "
	"os"

	_ "golang.org/x/image/webp" // "
)

// ImageExts are the file extensions image folders are scanned for.
var ImageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".webp": true, ".gif": true}

// CheckImage reports whether path is a readable image, reading only its header.
func CheckImage(path string) error {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("image %s: %w", path, err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return fmt.Errorf("image %s: not a readable image (%v)", path, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > 1<<15 || cfg.Height > 1<<15 {
		return fmt.Errorf("image %s: implausible size %dx%d", path, cfg.Width, cfg.Height)
	}
	return nil
}
