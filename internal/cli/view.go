package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/loupe-dev/loupe/termimg"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

type viewOptions struct {
	protocol string
	size     string
	cell     string
	colors   string
	symbols  string
	names    bool
}

func newViewCmd(g *globals) *cobra.Command {
	o := &viewOptions{}
	cmd := &cobra.Command{
		Use:   "view FILE|ITEM...",
		Short: "Show images inline in the terminal (kitty, iTerm2, sixel or text blocks)",
		Long: `Show images inline, like kitty icat, chafa or timg. Each argument is an image file, or the id of an
item in the workspace (--db), whose picture is read from its file or Parquet shard.

The protocol is detected (kitty graphics query, device attributes, environment), or forced with
--protocol or $LOUPE_GRAPHICS: kitty, iterm2, sixel, blocks (Unicode blocks and symbols in colour) or
none. When the output is not a terminal, blocks are used unless a protocol is given, so the output can be
piped and compared. The picture keeps its aspect ratio and fits --size (default: the terminal's size).`,
		Example: `  loupe view photo.jpg
  loupe view --protocol sixel --size 60x30 a.png b.png
  loupe view text-00000042 --db loupe-demo/loupe.db
  LOUPE_GRAPHICS=blocks loupe view --colors 256 photo.jpg`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runView(cmd, g, o, args) },
	}
	f := cmd.Flags()
	f.StringVar(&o.protocol, "protocol", "", "kitty, iterm2, sixel, blocks or none (default: detect; env "+termimg.EnvVar+")")
	f.StringVar(&o.protocol, "graphics", "", "alias of --protocol")
	f.StringVar(&o.size, "size", "", "box in cells, COLSxROWS (default: the terminal's size)")
	f.StringVar(&o.cell, "cell-size", "", "cell size in pixels, WxH (default: asked from the terminal, else 8x16)")
	f.StringVar(&o.colors, "colors", "", "blocks: truecolor, 256 or 16 (default: from $COLORTERM / $TERM, as the review screen)")
	f.StringVar(&o.symbols, "symbols", "all", "blocks: all, quadrants or half")
	f.BoolVar(&o.names, "names", false, "print each file's name above its picture")
	cmd.RegisterFlagCompletionFunc("protocol", cobra.FixedCompletions([]string{"kitty", "iterm2", "sixel", "blocks", "none"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("colors", cobra.FixedCompletions([]string{"truecolor", "256", "16"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runView(cmd *cobra.Command, g *globals, o *viewOptions, args []string) error {
	forced, err := termimg.ParseProtocol(o.protocol)
	if err != nil {
		return usageError{err}
	}
	out := cmd.OutOrStdout()
	stdout, isFile := out.(*os.File)
	interactive := isFile && term.IsTerminal(int(stdout.Fd()))
	var caps termimg.Caps
	if interactive {
		tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err == nil {
			defer tty.Close()
		} else {
			tty = nil
		}
		caps = termimg.Detect(tty, forced, os.Getenv, 300*time.Millisecond)
	} else {
		caps = termimg.FromEnv(os.Getenv)
		caps.Protocol, caps.Reason = termimg.Blocks, "output is not a terminal"
		if p, err := termimg.ParseProtocol(os.Getenv(termimg.EnvVar)); err == nil && p != "" {
			caps.Protocol = p
		}
		if forced != "" {
			caps.Protocol = forced
		}
	}
	box := termimg.Box{Cols: 80, Rows: 24}
	if interactive {
		if w, h, err := term.GetSize(int(stdout.Fd())); err == nil && w > 0 && h > 2 {
			box = termimg.Box{Cols: w, Rows: h - 2}
		}
	}
	if o.size != "" {
		if box, err = termimg.ParseBox(o.size); err != nil {
			return usageError{err}
		}
	}
	if o.cell != "" {
		var c termimg.CellSize
		if _, err := fmt.Sscanf(o.cell, "%dx%d", &c.W, &c.H); err != nil || !c.Valid() {
			return usageError{fmt.Errorf("--cell-size %q: want WxH in pixels, e.g. 10x20", o.cell)}
		}
		caps.Cell = c
	}
	switch o.colors {
	case "":
	case "truecolor", "24bit":
		caps.Profile = termimg.TrueColor
	case "256":
		caps.Profile = termimg.ANSI256
	case "16":
		caps.Profile = termimg.ANSI16
	default:
		return usageError{fmt.Errorf("--colors %q: want truecolor, 256 or 16", o.colors)}
	}
	opts := termimg.Options{Protocol: caps.Protocol, Cell: caps.Cell, Profile: caps.Profile, Tmux: caps.Tmux, Symbols: o.symbols,
		SixelMax: caps.SixelMax}
	failed := 0
	for _, arg := range args {
		src, err := loadViewSource(cmd.Context(), g, arg)
		if o.names || len(args) > 1 {
			fmt.Fprintln(out, Clean(arg))
		}
		var data []byte
		if err == nil {
			data, _, err = termimg.Inline(src, box, opts)
		}
		if err != nil {
			failed++
			fit := termimg.Box{Cols: min(box.Cols, 40), Rows: min(box.Rows, 5)}
			for _, l := range termimg.Frame(fit.Cols, fit.Rows, err.Error()) {
				fmt.Fprintln(out, l)
			}
			fmt.Fprintln(g.err, "loupe: "+Clean(err.Error()))
			continue
		}
		if _, err := out.Write(data); err != nil {
			return err
		}
	}
	if failed > 0 {
		return skippedError{n: failed}
	}
	return nil
}

// loadViewSource reads a file, or an item's picture from the workspace.
func loadViewSource(ctx context.Context, g *globals, arg string) (*termimg.Source, error) {
	if _, err := os.Stat(arg); err == nil {
		return termimg.DecodeFile(arg)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if _, err := os.Stat(g.db); err != nil {
		return nil, fmt.Errorf("%s: no such file, and no workspace %s to look it up in", arg, g.db)
	}
	st, err := g.openReadOnly(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	c, err := workspace.New(st).ContentByRef(ctx, arg)
	if err != nil {
		return nil, fmt.Errorf("%s: no such file or item (%w)", arg, err)
	}
	it := c.Item
	b, err := c.Picture()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", arg, err)
	}
	src, err := termimg.DecodeBytes(b)
	if err != nil && it.Image.Shard != "" {
		return nil, fmt.Errorf("%s (%s row %d): %w", arg, it.Image.Shard, it.Image.Row, err)
	}
	return src, err
}
