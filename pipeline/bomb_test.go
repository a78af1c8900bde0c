package pipeline

import (
	"testing"

	"github.com/loupe-dev/loupe/internal/imagesafe/imagesafetest"
	"github.com/loupe-dev/loupe/vlm"
)

// TestStepsRefuseBombs: every step that sends the picture refuses a decompression bomb with the
// shared guard's message, in well under a second and 100 MB, for a backend that scales pictures and
// for one that would send the original bytes.
func TestStepsRefuseBombs(t *testing.T) {
	backends := []*vlm.Backend{
		{Name: "scales", Kind: vlm.KindVLLM, Model: "m", MaxSide: 1024},
		{Name: "sends as is", Kind: vlm.KindVLLM, Model: "m", MaxSide: 1 << 20, Formats: []string{"image/png"}},
	}
	for _, b := range backends {
		if err := b.Normalize(); err != nil {
			t.Fatal(err)
		}
	}
	for _, bomb := range []struct {
		name, want string
		data       []byte
	}{
		{"header bomb", "picture is 30000x30000 (900 Mpx), over the 64 Mpx limit", imagesafetest.HeaderBomb(30000, 30000)},
		{"zero png", "picture is 12000x12000 (144 Mpx), over the 64 Mpx limit", imagesafetest.ZeroPNG(12000, 12000)},
	} {
		for _, b := range backends {
			for _, name := range Order {
				s := byName[name]
				if s == nil || !s.NeedsImage {
					continue
				}
				imagesafetest.Refuses(t, name+" "+b.Name+", "+bomb.name, "step "+name+": "+bomb.want, func() error {
					_, err := s.Request(b, sampleInput(), bomb.data)
					return err
				})
			}
		}
	}
}
