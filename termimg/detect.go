package termimg

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// EnvVar overrides detection: kitty, iterm2, sixel, blocks or none.
const EnvVar = "LOUPE_GRAPHICS"

// Caps is what loupe knows about the terminal.
type Caps struct {
	Protocol     Protocol
	Placeholders bool // kitty Unicode placeholders work (kitty >= 0.28, Ghostty)
	Cell         CellSize
	Profile      Profile
	Tmux         bool
	SixelMax     Size   // the largest sixel picture the terminal draws (XTSMGRAPHICS); zero: unknown
	Name         string // what the terminal said it is (XTVERSION) or the environment named
	Reason       string // why this protocol was chosen
}

// FromEnv guesses from environment variables alone (no terminal round trip).
func FromEnv(getenv func(string) string) Caps {
	c := Caps{Protocol: Blocks, Profile: ColorProfile(getenv), Cell: DefaultCell, Reason: "no graphics hints in the environment"}
	c.Tmux = getenv("TMUX") != ""
	term, prog := getenv("TERM"), getenv("TERM_PROGRAM")
	switch {
	case getenv("KITTY_WINDOW_ID") != "" || term == "xterm-kitty":
		c.Protocol, c.Name, c.Reason = Kitty, "kitty", "KITTY_WINDOW_ID / TERM=xterm-kitty"
	case prog == "ghostty" || term == "xterm-ghostty":
		c.Protocol, c.Placeholders, c.Name, c.Reason = Kitty, true, "ghostty", "TERM_PROGRAM=ghostty"
	case prog == "WezTerm":
		c.Protocol, c.Name, c.Reason = ITerm2, "WezTerm", "TERM_PROGRAM=WezTerm"
	case prog == "iTerm.app" || getenv("LC_TERMINAL") == "iTerm2":
		c.Protocol, c.Name, c.Reason = ITerm2, "iTerm2", "TERM_PROGRAM=iTerm.app"
	case strings.Contains(term, "mlterm"):
		c.Protocol, c.Name, c.Reason = ITerm2, "mlterm", "TERM=mlterm (its iTerm2 pictures are exact; its sixel is quantised)"
	case term == "foot" || strings.HasPrefix(term, "foot-"):
		c.Protocol, c.Name, c.Reason = Sixel, "foot", "TERM=foot"
	}
	return c
}

// ColorProfile is how many colours text may use, from $COLORTERM and $TERM: the one detection behind
// both `loupe view` and the review screen (which hands it to its renderer, so both draw the same colours).
func ColorProfile(getenv func(string) string) Profile {
	ct := strings.ToLower(getenv("COLORTERM"))
	term := getenv("TERM")
	switch {
	case ct == "truecolor" || ct == "24bit" || strings.Contains(term, "kitty") || strings.Contains(term, "direct"):
		return TrueColor
	case strings.Contains(term, "256"):
		return ANSI256
	case term == "" || term == "dumb" || term == "linux" || term == "vt100":
		return ANSI16
	}
	return ANSI256
}

var (
	reKittyOK = regexp.MustCompile(`\x1b_Gi=31;OK`)
	reDA1     = regexp.MustCompile(`\x1b\[\?([0-9;]*)c`)
	reCell    = regexp.MustCompile(`\x1b\[6;(\d+);(\d+)t`)
	reVersion = regexp.MustCompile(`\x1bP>\|([^\x1b]*)\x1b\\`)
	reSixMax  = regexp.MustCompile(`\x1b\[\?2;0;(\d+);(\d+)S`)
)

// xtermSixelMax is xterm's default sixel geometry limit (its maxGraphicSize resource), assumed when an
// xterm does not answer XTSMGRAPHICS.
var xtermSixelMax = Size{1000, 1000}

// parseReplies reads terminal answers to the probe into caps. It reports whether the DA1 reply - the
// last one, since every terminal answers it - has arrived.
func parseReplies(buf []byte, c *Caps) bool {
	if reKittyOK.Match(buf) {
		c.Protocol, c.Reason = Kitty, "the terminal answered the kitty graphics query"
	}
	if m := reVersion.FindSubmatch(buf); m != nil {
		c.Name = string(m[1])
	}
	if m := reCell.FindSubmatch(buf); m != nil {
		h, _ := strconv.Atoi(string(m[1]))
		w, _ := strconv.Atoi(string(m[2]))
		if cs := (CellSize{W: w, H: h}); cs.Valid() {
			c.Cell = cs
		}
	}
	if m := reSixMax.FindSubmatch(buf); m != nil {
		w, _ := strconv.Atoi(string(m[1]))
		h, _ := strconv.Atoi(string(m[2]))
		if w > 0 && h > 0 {
			c.SixelMax = Size{w, h}
		}
	}
	m := reDA1.FindSubmatch(buf)
	if m == nil {
		return false
	}
	if c.SixelMax == (Size{}) && strings.HasPrefix(strings.ToLower(c.Name), "xterm(") {
		c.SixelMax = xtermSixelMax
	}
	if c.Protocol != Kitty {
		for _, p := range strings.Split(string(m[1]), ";") {
			if p == "4" {
				c.Protocol, c.Reason = Sixel, "the terminal's device attributes include sixel"
			}
		}
	}
	if c.Protocol == Sixel && strings.Contains(strings.ToLower(c.Name), "mlterm") {
		// mlterm answers for sixel too, but draws iTerm2 pictures from the exact pixels
		c.Protocol, c.Reason = ITerm2, "mlterm: iTerm2 pictures are exact, sixel is quantised"
	}
	if c.Protocol == Kitty {
		c.Placeholders = kittyPlaceholders(c.Name)
	}
	return true
}

// kittyPlaceholders: kitty 0.28 added Unicode placeholders; other terminals speaking the protocol say so
// by name (Ghostty) or lack them (WezTerm, Konsole).
func kittyPlaceholders(name string) bool {
	n := strings.ToLower(name)
	if strings.HasPrefix(n, "ghostty") {
		return true
	}
	if v, ok := strings.CutPrefix(n, "kitty("); ok {
		parts := strings.SplitN(strings.TrimSuffix(v, ")"), ".", 3)
		if len(parts) >= 2 {
			maj, _ := strconv.Atoi(parts[0])
			min, _ := strconv.Atoi(parts[1])
			return maj > 0 || min >= 28
		}
	}
	return false
}

// cellFromIoctl reads the cell size from the window size in pixels (TIOCGWINSZ).
func cellFromIoctl(fd int) (CellSize, bool) {
	ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 || ws.Row == 0 || ws.Xpixel == 0 || ws.Ypixel == 0 {
		return CellSize{}, false
	}
	c := CellSize{W: int(ws.Xpixel) / int(ws.Col), H: int(ws.Ypixel) / int(ws.Row)}
	return c, c.Valid()
}

// Detect works out what the terminal on tty can show. An override (flag or $LOUPE_GRAPHICS) wins; the
// environment gives hints; then the terminal is asked - kitty graphics query, XTVERSION, cell size,
// DA1 last - waiting at most timeout for the answers. Without a terminal it returns the hints.
func Detect(tty *os.File, override Protocol, getenv func(string) string, timeout time.Duration) Caps {
	c := FromEnv(getenv)
	if tty != nil {
		if cs, ok := cellFromIoctl(int(tty.Fd())); ok {
			c.Cell = cs
		}
	}
	if p, err := ParseProtocol(getenv(EnvVar)); err == nil && p != "" && override == "" {
		override = p
	}
	if override != "" {
		c.Protocol, c.Reason = override, "forced"
		if override == Kitty {
			c.Placeholders = kittyPlaceholders(c.Name)
		}
		if (override == Sixel || override == Blocks) && tty != nil && term.IsTerminal(int(tty.Fd())) {
			// Still ask for the cell size (blocks rows follow its aspect) and the sixel geometry limit; the
			// protocol stays forced.
			if replies, ok := probe(tty, c.Tmux, timeout); ok {
				p := c
				parseReplies(replies, &p)
				c.Cell, c.SixelMax, c.Name = p.Cell, p.SixelMax, p.Name
			}
		}
		return c
	}
	if tty == nil || !term.IsTerminal(int(tty.Fd())) {
		return c
	}
	if c.Tmux {
		if outer := tmuxClientTerm(); outer != "" {
			c.Name = outer
			if strings.Contains(outer, "kitty") {
				c.Protocol, c.Reason = Kitty, "tmux client terminal is "+outer
			}
		}
	}
	replies, ok := probe(tty, c.Tmux, timeout)
	if ok {
		hint := c.Protocol
		if !parseReplies(replies, &c) && hint == Blocks {
			c.Reason = "the terminal did not answer in time"
		}
	}
	return c
}

func tmuxClientTerm() string {
	out, err := exec.Command("tmux", "display", "-p", "#{client_termname}").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// probe sends the queries and collects replies until DA1 arrives or the time is up.
func probe(tty *os.File, tmux bool, timeout time.Duration) ([]byte, bool) {
	fd := int(tty.Fd())
	old, err := term.MakeRaw(fd)
	if err != nil {
		return nil, false
	}
	defer term.Restore(fd, old)
	// kitty graphics query, XTVERSION, cell size, XTSMGRAPHICS sixel geometry (then DA1, below)
	queries := "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\" + "\x1b[>0q" + "\x1b[16t" + "\x1b[?2;1S"
	if tmux {
		queries = ansi.TmuxPassthrough(queries)
	}
	if _, err := tty.WriteString(queries + "\x1b[c"); err != nil {
		return nil, false
	}
	deadline := time.Now().Add(timeout)
	var buf []byte
	chunk := make([]byte, 1024)
	for time.Now().Before(deadline) {
		// Poll instead of a blocking read: a read left pending would swallow the user's first keys.
		left := time.Until(deadline)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(max(1, left.Milliseconds())))
		if err != nil && err != unix.EINTR {
			break
		}
		if n <= 0 {
			continue
		}
		k, err := unix.Read(fd, chunk)
		if k > 0 {
			buf = append(buf, chunk[:k]...)
			if reDA1.Match(buf) {
				return buf, true
			}
		}
		if err != nil && err != unix.EINTR && err != unix.EAGAIN {
			break
		}
	}
	return buf, len(buf) > 0
}
