package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/internal/config"
	"github.com/loupe-dev/loupe/internal/imagesafe/imagesafetest"
	"github.com/loupe-dev/loupe/judge/judgetest"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/termimg"
	"github.com/loupe-dev/loupe/tui"
	"github.com/loupe-dev/loupe/workspace"
)

// What the shared decode guard says about the two bombs.
const (
	headerBombSays = "picture is 30000x30000 (900 Mpx), over the 64 Mpx limit"
	zeroPNGSays    = "picture is 12000x12000 (144 Mpx), over the 64 Mpx limit"
)

// bombItem is an item whose picture is a decompression bomb.
type bombItem struct {
	id   int64
	ext  string
	path string
	says string
	data []byte
}

// bombWorkspace makes PRISM-style generations (7 tracks x 2 images x 1 model) in queue "q" where two
// pictures are decompression bombs - a 30000x30000 header over a few bytes of data (on a composition
// item the rules judge applies to) and a real 12000x12000 PNG - and a configuration whose backend "emu"
// points at url. The bombs are in place before the import, as they would come in a dataset.
func bombWorkspace(t *testing.T, url string) (db, cfg string, bombs []bombItem) {
	t.Helper()
	dir := t.TempDir()
	prism := filepath.Join(dir, "prism")
	if err := dataset.WritePrism(dataset.PrismOptions{Out: prism, Seed: 3, Prompts: 2, Images: 2, Models: []string{"m1"}, ImageSize: 48}); err != nil {
		t.Fatal(err)
	}
	bombs = []bombItem{
		{path: filepath.Join(prism, "m1", "composition", "1.png"), says: headerBombSays, data: imagesafetest.HeaderBomb(30000, 30000)},
		{path: filepath.Join(prism, "m1", "text_rendering", "0.png"), says: zeroPNGSays, data: imagesafetest.ZeroPNG(12000, 12000)},
	}
	for _, b := range bombs {
		if err := os.WriteFile(b.path, b.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db = filepath.Join(dir, "w.db")
	for _, args := range [][]string{
		{"--db", db, "import", prism, "-q"},
		{"--db", db, "sample", "--name", "q", "--n", "10000", "--kind", "generation", "--seed", "1"},
	} {
		if code, _, e := run(t, args...); code != 0 {
			t.Fatalf("%v: %s", args, e)
		}
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range bombs {
		// the image path is kept absolute or relative to the imported folder
		rel := filepath.Base(filepath.Dir(bombs[i].path)) + "/" + filepath.Base(bombs[i].path)
		err := st.DB.QueryRow(`SELECT i.id, e.ext_id FROM items i JOIN item_ext e ON e.item_id = i.id WHERE i.image_path = ? OR i.image_path LIKE ?`,
			rel, "%/"+rel).Scan(&bombs[i].id, &bombs[i].ext)
		if err != nil {
			t.Fatalf("bomb item %s: %v", bombs[i].path, err)
		}
	}
	cfg = filepath.Join(dir, "loupe.toml")
	conf := fmt.Sprintf("[backends.emu]\nkind = \"vllm\"\nbase_url = %q\nmodel = \"Qwen/Qwen2.5-VL-72B-Instruct\"\nconcurrency = 16\ntimeout = \"5s\"\nmax_retries = 1\n", url)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return db, cfg, bombs
}

// TestJudgeRecordsBombsAsItemFailures: loupe judge with a VLM backend (16 at once) and with the rules
// judge stores each bomb's verdicts as failures that say why, judges every other item and exits 0.
func TestJudgeRecordsBombsAsItemFailures(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	db, cfg, bombs := bombWorkspace(t, srv.BaseURL())
	var out, e string
	var code int
	c := imagesafetest.Measure(func() {
		code, out, e = run(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q")
	})
	t.Logf("loupe judge over 14 items, 2 of them bombs: %v, %.1f MB allocated", c.Elapsed, float64(c.Alloc)/(1<<20))
	if code != 0 || !strings.Contains(out, "verdicts 24, failed 4") {
		t.Fatalf("judge: exit %d\n%s\n%s", code, out, e)
	}
	if c.Alloc > imagesafetest.AllocLimit || c.Elapsed > imagesafetest.HangGuard {
		t.Errorf("judging took %v and %d bytes", c.Elapsed, c.Alloc)
	}
	for _, b := range bombs {
		if n := countLabels(t, db, fmt.Sprintf("l.item_id = %d AND l.value IS NULL AND l.error = 'item %d: %s'", b.id, b.id, b.says)); n != 2 {
			t.Errorf("%s: %d failed verdicts saying %q, want 2 (alignment, aesthetics)", b.ext, n, b.says)
		}
	}
	for _, r := range srv.Requests() {
		if len(r.Body) > 1<<20 {
			t.Errorf("a %d-byte request was sent", len(r.Body))
		}
	}
	// the rules judge: the composition bomb fails, every other applicable item gets a verdict
	code, out, e = run(t, "--db", db, "judge", "--backend", "rules", "--queue", "q")
	if code != 0 {
		t.Fatalf("rules: exit %d\n%s\n%s", code, out, e)
	}
	if n := countLabels(t, db, fmt.Sprintf("r.name = 'rules' AND l.item_id = %d AND l.error = 'rules judge: %s'", bombs[0].id, headerBombSays)); n != 1 {
		t.Errorf("rules: %d failures for the bomb:\n%s", n, out)
	}
	if n := countLabels(t, db, "r.name = 'rules' AND l.value IS NOT NULL"); n == 0 {
		t.Errorf("rules judged nothing else:\n%s", out)
	}
}

// TestRejudgeKeyRecordsBombFailure: the review screen's R key (the rejudger it is wired to) reports a
// bomb as the item's failure and stores it, for a VLM backend and for the rules judge; the next item
// is judged as usual.
func TestRejudgeKeyRecordsBombFailure(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	db, cfgPath, bombs := bombWorkspace(t, srv.BaseURL())
	cfg, err := config.Load(cfgPath, true)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := workspace.New(st).NewRejudger(cfg.Backend)
	for _, b := range bombs {
		imagesafetest.Refuses(t, "R with emu on "+b.ext, fmt.Sprintf("alignment failed: item %d: %s; aesthetics failed: item %d: %s", b.id, b.says, b.id, b.says), func() error {
			sum, err := r.Rejudge(context.Background(), b.id, "emu")
			if err != nil {
				return fmt.Errorf("a run-level error: %w", err)
			}
			return fmt.Errorf("%s", sum)
		})
	}
	imagesafetest.Refuses(t, "R with rules on "+bombs[0].ext, "alignment failed: rules judge: "+headerBombSays, func() error {
		sum, err := r.Rejudge(context.Background(), bombs[0].id, "rules")
		if err != nil {
			return fmt.Errorf("a run-level error: %w", err)
		}
		return fmt.Errorf("%s", sum)
	})
	if n := countLabels(t, db, fmt.Sprintf("l.item_id IN (%d, %d) AND l.value IS NULL AND l.error LIKE '%%Mpx), over the 64 Mpx limit'", bombs[0].id, bombs[1].id)); n != 5 {
		t.Errorf("%d failures stored, want 5", n)
	}
	next := bombs[0].id + 1
	for next == bombs[1].id {
		next++
	}
	sum, err := r.Rejudge(context.Background(), next, "emu")
	if err != nil || strings.Contains(sum, "failed") || !strings.Contains(sum, "alignment") {
		t.Errorf("the next item: %q %v", sum, err)
	}
}

// TestPipelineRecordsBombsAsItemFailures: a pipeline step over the queue fails the two bomb items with
// the guard's message and does the rest.
func TestPipelineRecordsBombsAsItemFailures(t *testing.T) {
	srv := pipelineServer()
	defer srv.Close()
	db, cfg, bombs := bombWorkspace(t, srv.BaseURL())
	var out, e string
	var code int
	c := imagesafetest.Measure(func() {
		code, out, e = run(t, "--db", db, "pipeline", "run", "--steps", "quality", "--queue", "q", "--backend", "emu", "--config", cfg, "--quiet")
	})
	t.Logf("loupe pipeline run --steps quality over 14 items, 2 of them bombs: %v, %.1f MB allocated", c.Elapsed, float64(c.Alloc)/(1<<20))
	if code != ExitSkipped || !strings.Contains(e, "2 step outputs failed") {
		t.Fatalf("pipeline: exit %d\n%s\n%s", code, out, e)
	}
	if !strings.Contains(out, "Mpx), over the 64 Mpx limit") {
		t.Errorf("the summary does not say why:\n%s", out)
	}
	if c.Alloc > imagesafetest.AllocLimit || c.Elapsed > imagesafetest.HangGuard {
		t.Errorf("the pipeline took %v and %d bytes", c.Elapsed, c.Alloc)
	}
	if n := countRows(t, db, `SELECT count(*) FROM labels l JOIN raters r ON r.id = l.rater_id WHERE r.kind = 'pipeline' AND l.value IS NOT NULL`); n < 2*12 {
		t.Errorf("%d quality scores for the 12 other items", n)
	}
	_ = bombs
}

// TestViewAndExportWithBombs: loupe view refuses a bomb (a file or an item) with the guard's message
// and shows the next picture; loupe export does not decode pictures - it copies the bomb's bytes as
// they are, cheaply.
func TestViewAndExportWithBombs(t *testing.T) {
	db, _, bombs := bombWorkspace(t, "http://127.0.0.1:1/v1")
	good := filepath.Join(filepath.Dir(bombs[0].path), "0.png")
	for _, b := range bombs {
		for _, arg := range []string{b.path, b.ext} {
			var out string
			imagesafetest.Refuses(t, "loupe view "+filepath.Base(arg), b.says, func() error {
				code, o, e := run(t, "--db", db, "view", "--protocol", "blocks", "--size", "12x6", arg, good)
				out = o
				if code != 3 {
					return fmt.Errorf("exit %d: %s", code, e)
				}
				return fmt.Errorf("%s", e)
			})
			if strings.Count(out, "\r\n") < 3 {
				t.Errorf("view %s: the good picture after the bomb was not shown: %q", arg, out)
			}
		}
	}
	dir := filepath.Join(t.TempDir(), "out")
	var code int
	var out, e string
	c := imagesafetest.Measure(func() { code, out, e = run(t, "--db", db, "export", "--format", "webdataset", "--out", dir, "--quiet") })
	t.Logf("loupe export with 2 bombs: %v, %.1f MB allocated", c.Elapsed, float64(c.Alloc)/(1<<20))
	if code != 0 {
		t.Fatalf("export: exit %d\n%s\n%s", code, out, e)
	}
	if c.Alloc > imagesafetest.AllocLimit || c.Elapsed > imagesafetest.HangGuard {
		t.Errorf("the export took %v and %d bytes", c.Elapsed, c.Alloc)
	}
	found := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			for _, b := range bombs {
				if bytes.Contains(data, b.data) {
					found++
				}
			}
		}
		return nil
	})
	if found != len(bombs) {
		t.Errorf("%d of the bombs' bytes exported as they are", found)
	}
}

// drive runs cmd's tree as the program would, feeding every message to m (batches expanded).
func drive(t *testing.T, m *tui.Model, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 500 {
			t.Fatal("commands do not settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// TestReviewScreenWithBomb: on the review screen a bomb item shows the guard's message where its
// picture would be, the R key (wired as loupe review wires it) records the bomb as the item's failure
// and says so, and the annotator goes on: the next item is re-judged as usual.
func TestReviewScreenWithBomb(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	db, cfgPath, bombs := bombWorkspace(t, srv.BaseURL())
	cfg, err := config.Load(cfgPath, true)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ses, err := st.OpenSession(ctx, "q", "ana")
	if err != nil {
		t.Fatal(err)
	}
	pos := slices.Index(ses.Items, bombs[0].id)
	if pos < 0 || pos+1 >= len(ses.Items) || ses.Items[pos+1] == bombs[1].id {
		t.Fatalf("queue %v: the header bomb %d must have a good item after it", ses.Items, bombs[0].id)
	}
	m, err := tui.New(ctx, tui.Config{Session: workspace.New(st).Session(ses), Caps: termimg.Caps{Protocol: termimg.None}, Start: pos,
		Judges: []string{"emu"}, Rejudge: workspace.New(st).NewRejudger(cfg.Backend).Rejudge})
	if err != nil {
		t.Fatal(err)
	}
	screen := func() string { return ansi.Strip(m.View().Content) }
	c := imagesafetest.Measure(func() {
		drive(t, m, m.Init())
		_, cmd := m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
		drive(t, m, cmd)
	})
	t.Logf("the review screen opening the bomb item: %v, %.1f MB allocated", c.Elapsed, float64(c.Alloc)/(1<<20))
	if !strings.Contains(screen(), "picture is 30000x30000") || c.Alloc > imagesafetest.AllocLimit {
		t.Errorf("the picture pane does not say why (%d bytes allocated):\n%s", c.Alloc, screen())
	}
	shiftR := tea.KeyPressMsg{Code: 'r', ShiftedCode: 'R', Text: "R", Mod: tea.ModShift}
	imagesafetest.Refuses(t, "R on the bomb item", "emu: alignment failed: item", func() error {
		_, cmd := m.Update(shiftR)
		drive(t, m, cmd)
		for _, line := range strings.Split(screen(), "\n") {
			if strings.Contains(line, "emu:") {
				return errors.New(strings.TrimSpace(line)) // the status line
			}
		}
		return errors.New("no status line")
	})
	if n := countLabels(t, db, fmt.Sprintf("l.item_id = %d AND l.value IS NULL AND l.error = 'item %d: %s'", bombs[0].id, bombs[0].id, headerBombSays)); n != 2 {
		t.Errorf("%d failures stored for the bomb, want 2", n)
	}
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	drive(t, m, cmd)
	_, cmd = m.Update(shiftR)
	drive(t, m, cmd)
	if s := screen(); !strings.Contains(s, "emu: alignment") || strings.Contains(s, "failed") {
		t.Errorf("the next item was not re-judged:\n%s", s)
	}
	if n := countLabels(t, db, fmt.Sprintf("l.item_id = %d AND l.value IS NOT NULL", ses.Items[pos+1])); n != 2 {
		t.Errorf("%d verdicts for the next item, want 2", n)
	}
}
