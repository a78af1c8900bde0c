package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/store"
)

type queueShow struct {
	Queue      string `json:"queue"`
	Blind      bool   `json:"blind"`
	ShowOthers bool   `json:"show_others"`
	Guidelines string `json:"guidelines"`
}

func showQueue(t *testing.T, db, queue string) queueShow {
	t.Helper()
	code, out, e := run(t, "--db", db, "queue", "show", queue, "--json")
	var qs queueShow
	if code != 0 || json.Unmarshal([]byte(out), &qs) != nil {
		t.Fatalf("queue show %s: %d %s %s", queue, code, out, e)
	}
	return qs
}

func TestQueueCommands(t *testing.T) {
	st, _ := reviewQueue(t)
	db := st.Path
	dir := t.TempDir()
	md := filepath.Join(dir, "rules.md")
	os.WriteFile(md, []byte("# Rules\n\n- reject watermarks\n"), 0o644)
	if qs := showQueue(t, db, "q"); qs != (queueShow{Queue: "q"}) {
		t.Fatalf("new queue %+v", qs)
	}
	if code, out, e := run(t, "--db", db, "queue", "guidelines", "q", md); code != 0 || !strings.Contains(out, "guidelines from") {
		t.Fatalf("queue guidelines: %d %s %s", code, out, e)
	}
	if code, out, e := run(t, "--db", db, "queue", "blind", "q", "on"); code != 0 || !strings.Contains(out, "blind on") {
		t.Fatalf("queue blind: %d %s %s", code, out, e)
	}
	if qs := showQueue(t, db, "q"); qs != (queueShow{Queue: "q", Blind: true, Guidelines: "# Rules\n\n- reject watermarks\n"}) {
		t.Fatalf("after setting %+v", qs)
	}
	code, out, _ := run(t, "--db", db, "queue", "show", "q")
	if code != 0 || !strings.Contains(out, "blind        on") || !strings.Contains(out, "  - reject watermarks") {
		t.Fatalf("queue show: %d %s", code, out)
	}
	if code, _, _ := run(t, "--db", db, "queue", "blind", "q", "off"); code != 0 || showQueue(t, db, "q").Blind {
		t.Fatal("blind off")
	}
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"queue", "blind", "q", "maybe"}, 2, `blind "maybe": want on or off`},
		{[]string{"queue", "blind", "q"}, 2, ""},
		{[]string{"queue", "show", "nope"}, 1, `queue "nope"`},
		{[]string{"queue", "blind", "nope", "on"}, 1, `queue "nope"`},
		{[]string{"queue", "guidelines", "q", filepath.Join(dir, "missing.md")}, 1, "missing.md"},
		{[]string{"queue", "frobnicate"}, 2, ""},
	} {
		code, _, e := run(t, append([]string{"--db", db}, c.args...)...)
		if code != c.code || !strings.Contains(e, c.err) {
			t.Errorf("%v: %d %s, want %d %q", c.args, code, e, c.code, c.err)
		}
	}
}

func TestSampleStoresReviewSettings(t *testing.T) {
	st, _ := reviewQueue(t)
	md := filepath.Join(t.TempDir(), "g.md")
	os.WriteFile(md, []byte("be strict"), 0o644)
	if code, out, e := run(t, "--db", st.Path, "sample", "--name", "s", "--n", "2", "--seed", "1", "--guidelines", md, "--blind", "--show-others"); code != 0 {
		t.Fatalf("sample: %d %s %s", code, out, e)
	}
	if qs := showQueue(t, st.Path, "s"); qs != (queueShow{Queue: "s", Blind: true, ShowOthers: true, Guidelines: "be strict"}) {
		t.Fatalf("settings %+v", qs)
	}
	// A missing guidelines file makes no queue.
	if code, _, _ := run(t, "--db", st.Path, "sample", "--name", "t", "--n", "2", "--guidelines", md+".nope"); code != 1 {
		t.Fatalf("missing guidelines: exit %d", code)
	}
	if code, _, _ := run(t, "--db", st.Path, "queue", "show", "t"); code != 1 {
		t.Fatal("queue t made without its guidelines")
	}
}

func TestPrepareReviewSettings(t *testing.T) {
	ctx := context.Background()
	st, _ := reviewQueue(t)
	if err := st.SetQueueGuidelines(ctx, "q", "rules"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		showOthers, queueShows, want bool
	}{{false, false, false}, {true, false, true}, {false, true, true}} {
		if err := st.SetQueueSettings(ctx, "q", storeSettings(c.queueShows)); err != nil {
			t.Fatal(err)
		}
		o := &reviewOptions{annotator: "ana", showOthers: c.showOthers}
		if err := o.check(); err != nil {
			t.Fatal(err)
		}
		cfg, _, err := prepareReview(ctx, st, o)
		if err != nil {
			t.Fatal(err)
		}
		in := cfg.Session.Info()
		if in.ShowOthers != c.want || !in.Blind || in.Guidelines != "rules" {
			t.Errorf("--show-others %v, queue %v: info %+v", c.showOthers, c.queueShows, in)
		}
	}
}

// storeSettings is a blind queue with guidelines "rules", showing others' answers or not.
func storeSettings(showOthers bool) store.QueueSettings {
	return store.QueueSettings{Blind: true, ShowOthers: showOthers, Guidelines: "rules"}
}
