package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	loupews "github.com/loupe-dev/loupe/workspace"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGoldenViews keeps the screen's text (colours stripped) for the main states at 80x24, 120x40 and
// 200x60 in testdata/*.golden; run with -update after an intended layout change.
func TestGoldenViews(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		for _, state := range []struct {
			name    string
			blind   bool
			overlap int
			keys    []string
		}{
			{"item", false, 0, nil},
			{"blind", true, 0, nil},
			{"blind-decided", true, 0, []string{"a", "k"}},
			{"overlap-hidden", false, 2, nil},
			{"help", false, 0, []string{"?"}},
			{"stats", false, 0, []string{"S"}},
			{"zoom", false, 0, []string{"z"}},
			{"filter", false, 0, []string{"/", "k", "i", "n", "d", "=", "s"}},
			{"note", false, 0, []string{"N", "s", "h", "a", "r", "p"}},
			{"scored", false, 0, []string{"tab", "tab", "7"}},
		} {
			name := fmt.Sprintf("%s-%dx%d", state.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				st := workspace(t)
				if state.overlap > 0 {
					if err := st.SetOverlap(ctx, "q", state.overlap); err != nil {
						t.Fatal(err)
					}
					ses, err := st.OpenSession(ctx, "q", "ben") // another annotator decided the first item
					if err != nil {
						t.Fatal(err)
					}
					if _, err := ses.Decide(ctx, ses.Items[0], true, ""); err != nil {
						t.Fatal(err)
					}
				}
				m := open(t, st, state.blind, size[0], size[1])
				fixed := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
				m.now, m.started = func() time.Time { return fixed }, fixed.Add(-2*time.Minute)
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

// TestGoldenAdjudication keeps the adjudication screen's text at the three sizes: answers and scores
// side by side, reasons, flags, notes, the picture's column.
func TestGoldenAdjudication(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		name := fmt.Sprintf("adjudication-%dx%d", size[0], size[1])
		t.Run(name, func(t *testing.T) {
			st := workspace(t)
			ana, _ := st.OpenSession(ctx, "q", "ana")
			ben, _ := st.OpenSession(ctx, "q", "ben")
			ids := ana.Items
			ana.Decide(ctx, ids[0], true, "")
			ana.SetScore(ctx, ids[0], "prism_alignment", 8, "")
			ben.Decide(ctx, ids[0], false, "misspelled text: sign")
			ben.SetScore(ctx, ids[0], "prism_alignment", 3, "")
			ben.Note(ctx, ids[0], "the rays are uneven")
			ben.Flag(ctx, ids[0], "is this a logo?")
			a, err := NewAdjudication(ctx, AdjudicationConfig{Disputes: loupews.New(st).Adjudication(), Queue: "q", Adjudicator: "rev"})
			if err != nil {
				t.Fatal(err)
			}
			runAdj(t, a, a.Init())
			_, cmd := a.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			runAdj(t, a, cmd)
			got := ansi.Strip(a.render())
			for _, want := range []string{"the rays are uneven", "is this a logo?", "misspelled text: sign", "prism_alignment"} {
				if !strings.Contains(got, want) {
					t.Errorf("adjudication lacks %q:\n%s", want, got)
				}
			}
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./tui -run GoldenAdjudication -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the golden file:\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
			}
		})
	}
}
