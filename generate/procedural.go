package generate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"image"
	"image/draw"
	"image/png"
	"strings"

	"github.com/loupe-dev/loupe/dataset/synth"
)

// procedural renders a picture offline with dataset/synth. The picture is a
// pure function of (model, prompt, seed, width, height): the prompt is hashed
// to pick one of synth's benchmark scenes, and the seed seeds synth.
type procedural struct{ cfg *Config }

func newProcedural(c *Config) *procedural { return &procedural{cfg: c} }

func (g *procedural) Generate(ctx context.Context, r Request) (Image, error) {
	r = g.cfg.fill(r)
	if err := ctx.Err(); err != nil {
		return Image{}, err
	}
	b, err := renderProcedural(g.cfg.Model, r.Prompt, r.Seed, r.Width, r.Height)
	if err != nil {
		return Image{}, err
	}
	return Image{Bytes: b, MIME: "image/png", Seed: r.Seed}, nil
}

// renderProcedural draws the PNG for (model, prompt, seed) at w x h.
func renderProcedural(model, prompt string, seed int64, w, h int) ([]byte, error) {
	sum := sha256.Sum256([]byte(prompt))
	hv := binary.LittleEndian.Uint64(sum[:8])
	track := synth.Tracks[hv%uint64(len(synth.Tracks))]
	// A prompt that quotes text asks for rendered text.
	if strings.ContainsAny(prompt, "\"“”") {
		track = "text_rendering"
	}
	p := synth.Prompt{Track: track, Index: int(hv >> 40), EN: prompt}
	side := max(w, h)
	src, _ := synth.New(seed).Generate(model, p, side, false)
	var img image.Image = src
	if w != side || h != side {
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		off := image.Pt((side-w)/2, (side-h)/2)
		draw.Draw(dst, dst.Bounds(), src, src.Bounds().Min.Add(off), draw.Src)
		img = dst
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
