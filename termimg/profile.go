package termimg

// Profile is how many colours text output may use.
type Profile int

// Colour profiles, richest first.
const (
	TrueColor Profile = iota // 24-bit SGR 38;2 / 48;2
	ANSI256                  // xterm 256-colour palette, SGR 38;5 / 48;5
	ANSI16                   // the 16 basic colours, SGR 30-37, 90-97 / 40-47, 100-107
)

func (p Profile) String() string {
	switch p {
	case TrueColor:
		return "truecolor"
	case ANSI256:
		return "256"
	case ANSI16:
		return "16"
	}
	return "unknown"
}
