package termimg

import (
	"bytes"
	"fmt"
	"image"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Protocol is a way to show images in a terminal.
type Protocol string

// Protocols.
const (
	Kitty  Protocol = "kitty"  // kitty graphics protocol
	ITerm2 Protocol = "iterm2" // OSC 1337 inline images (iTerm2, WezTerm, mlterm, Konsole...)
	Sixel  Protocol = "sixel"  // DEC sixel (xterm -ti vt340, mlterm, foot, WezTerm...)
	Blocks Protocol = "blocks" // Unicode block and symbol characters with colours
	None   Protocol = "none"   // no image, only a frame saying so
)

// Protocols lists the protocols a user may force.
var Protocols = []Protocol{Kitty, ITerm2, Sixel, Blocks, None}

// ParseProtocol checks a protocol name ("" means detect).
func ParseProtocol(s string) (Protocol, error) {
	if s == "" || s == "auto" {
		return "", nil
	}
	for _, p := range Protocols {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("graphics protocol %q: want kitty, iterm2, sixel, blocks or none", s)
}

// Options says how to render for one terminal.
type Options struct {
	Protocol Protocol
	Cell     CellSize
	Profile  Profile // for blocks
	Tmux     bool    // wrap graphics sequences for tmux passthrough
	Symbols  string  // for blocks: "all", "quadrants", "half"
	// SixelMax is the largest sixel picture the terminal draws (XTSMGRAPHICS); sixel pictures are scaled
	// to stay within it. Zero: no limit known.
	SixelMax Size
}

// Inline renders an image for output at the cursor, like `kitty icat` or `chafa`: the returned bytes
// draw the picture over fit.Rows rows starting at the cursor and leave the cursor on the line below it.
func Inline(src *Source, box Box, o Options) ([]byte, Fit, error) {
	b := src.Image.Bounds()
	fit := fitFor(b.Dx(), b.Dy(), box, o)
	if fit.W == 0 {
		return nil, fit, fmt.Errorf("nothing to draw in a %dx%d box", box.Cols, box.Rows)
	}
	var out bytes.Buffer
	switch o.Protocol {
	case Blocks:
		// Blocks have their own pixel grid per cell: give them the whole box the picture covers.
		for _, row := range EncodeBlocks(src.Image, fit.Cols, fit.Rows, BlockOptions{Profile: o.Profile, Symbols: o.Symbols}) {
			out.WriteString(row)
			out.WriteString("\r\n")
		}
		return out.Bytes(), fit, nil
	case None:
		for _, row := range Frame(fit.Cols, fit.Rows, "image") {
			out.WriteString(row)
			out.WriteString("\r\n")
		}
		return out.Bytes(), fit, nil
	}
	seq, err := rawPicture(src, Scale(src.Image, fit.W, fit.H), fit, o.Protocol, false)
	if err != nil {
		return nil, fit, err
	}
	// Reserve the rows first (scrolling if needed), go back up, draw, then step below the picture: every
	// terminal then leaves the cursor in the same place, whatever it does after an image.
	out.WriteString(strings.Repeat("\n", fit.Rows))
	fmt.Fprintf(&out, "\x1b[%dA\r", fit.Rows)
	out.WriteString("\x1b7")
	out.Write(wrap(seq, o.Tmux))
	out.WriteString("\x1b8")
	fmt.Fprintf(&out, "\x1b[%dB\r", fit.Rows)
	return out.Bytes(), fit, nil
}

// rawPicture encodes a picture already scaled to fit for the protocols that draw pixels over cells:
// kitty (at its natural size - a second scaling by the terminal to whole cells would stretch it when
// cells are a fraction of a pixel off), iTerm2 and sixel. compress zlib-compresses kitty pixels.
func rawPicture(src *Source, scaled *image.RGBA, fit Fit, p Protocol, compress bool) ([]byte, error) {
	var seq bytes.Buffer
	var err error
	switch p {
	case Kitty:
		err = kittyImage(&seq, scaled, KittyDisplay, 0, 0, 0, true, compress)
	case ITerm2:
		err = ITerm2Image(&seq, src, scaled, fit.Cols, fit.Rows, true)
	case Sixel:
		err = EncodeSixel(&seq, scaled, SixelOptions{})
	default:
		err = fmt.Errorf("unknown protocol %q", p)
	}
	return seq.Bytes(), err
}

// wrap passes a sequence through tmux when needed (allow-passthrough must be on).
func wrap(seq []byte, tmux bool) []byte {
	if !tmux {
		return seq
	}
	return []byte(ansi.TmuxPassthrough(string(seq)))
}

// Frame is a placeholder box of cols x rows cells with a short message in it, for a missing or broken
// image or a terminal without graphics. The message is cleaned of control characters.
func Frame(cols, rows int, msg string) []string {
	cols, rows = max(cols, 2), max(rows, 1)
	msg = ansi.Strip(msg)
	msg = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, msg)
	inner := cols - 2
	if ansi.StringWidth(msg) > inner {
		msg = ansi.Truncate(msg, inner, "…")
	}
	out := make([]string, rows)
	for r := range rows {
		switch {
		case rows == 1:
			out[r] = "[" + pad(msg, inner) + "]"
		case r == 0:
			out[r] = "┌" + strings.Repeat("─", inner) + "┐"
		case r == rows-1:
			out[r] = "└" + strings.Repeat("─", inner) + "┘"
		case r == (rows-1)/2:
			out[r] = "│" + center(msg, inner) + "│"
		default:
			out[r] = "│" + strings.Repeat(" ", inner) + "│"
		}
	}
	return out
}

func pad(s string, w int) string { return s + strings.Repeat(" ", max(0, w-ansi.StringWidth(s))) }

func center(s string, w int) string {
	left := max(0, (w-ansi.StringWidth(s))/2)
	return pad(strings.Repeat(" ", left)+s, w)
}

// AtCell wraps a graphics sequence so it draws at a cell (1-based column x, row y) and the cursor goes
// back where it was: how a TUI puts sixel, iTerm2 or raw kitty images over blank cells of its frame.
// Send it after the frame that leaves those cells blank, and again after anything repaints them (a
// resize, a cleared screen). Keep the frame's last line non-blank: bubbletea's renderer otherwise may
// erase "to the end of the screen" from a row inside the picture. Before drawing a picture over a
// larger one, erase the larger one's cells (ECH per row), since the frame did not change there.
func AtCell(x, y int, seq []byte, tmux bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "\x1b7\x1b[%d;%dH", y, x)
	b.Write(wrap(seq, tmux))
	b.WriteString("\x1b8")
	return b.Bytes()
}

// Blank returns cols x rows cells for a TUI to leave under an image drawn over them: spaces with the
// conceal attribute, which look like spaces but are not "empty" to a renderer, so it never clears a
// line that holds part of a picture just because the line's text became blank.
func Blank(cols, rows int) []string {
	out := make([]string, rows)
	for i := range out {
		out[i] = "\x1b[8m" + strings.Repeat(" ", cols) + "\x1b[28m"
	}
	return out
}
