package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGoldenViews keeps the screen's text (colours stripped) for the main states at 80x24, 120x40 and
// 200x60 in testdata/*.golden; run with -update after an intended layout change.
func TestGoldenViews(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		for _, state := range []struct {
			name  string
			blind bool
			keys  []string
		}{
			{"item", false, nil},
			{"blind", true, nil},
			{"help", false, []string{"?"}},
			{"note", false, []string{"n", "s", "h", "a", "r", "p"}},
			{"scored", false, []string{"tab", "tab", "7"}},
		} {
			name := fmt.Sprintf("%s-%dx%d", state.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m := open(t, workspace(t), state.blind, size[0], size[1])
				press(t, m, state.keys...)
				got := ansi.Strip(m.View().Content)
				path := filepath.Join("testdata", name+".golden")
				if *update {
					os.MkdirAll("testdata", 0o755)
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./tui -run GoldenViews -update)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the golden file:\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
				}
			})
		}
	}
}
