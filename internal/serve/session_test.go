package serve_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/internal/serve"
	"github.com/loupe-dev/loupe/termimg"
	"github.com/loupe-dev/loupe/tui"
	_ "github.com/mattn/go-sqlite3"
)

// decisionsPerItem counts the decisions in force per item and the annotators who gave them.
func decisionsPerItem(t *testing.T, db string) map[int64][]string {
	t.Helper()
	d, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.Query(`SELECT e.item_id, a.name FROM events e JOIN dimensions dm ON dm.id = e.dimension_id JOIN annotators a ON a.id = e.annotator_id
		WHERE e.kind = 'set' AND dm.name = 'decision' ORDER BY e.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var who string
		if err := rows.Scan(&id, &who); err != nil {
			t.Fatal(err)
		}
		out[id] = append(out[id], who)
	}
	return out
}

// openQueue goes from the start screen into the first queue's review screen.
func (tm *term) openQueue(t *testing.T, want string) {
	t.Helper()
	tm.scr.waitFor(t, "Choose a queue")
	tm.keys(t, "\r")
	tm.scr.waitFor(t, want)
}

// The start screen lists the queues this person may open, with the queue's and their own figures.
func TestStartScreenListsOwnQueues(t *testing.T) {
	f := newFixture(t, func(f *fixture, o *serve.Options) {
		loupe(t, "--db", f.db, "sample", "--name", "second", "--n", "5", "--seed", "2")
	})
	ana := f.shell(t, f.ana, 120, 40) // queues=q
	ana.scr.waitFor(t, "Choose a queue")
	ben := f.shell(t, f.ben, 120, 40) // every queue
	ben.scr.waitFor(t, "second")
	ana.keys(t, "\r")
	ana.scr.waitFor(t, "1/12")
	ana.keys(t, "a")
	ana.scr.waitFor(t, "2/12")
	mark := ana.scr.mark()
	ana.keys(t, "q")
	ana.scr.waitFor(t, "YOURS")
	row := regexp.MustCompile(`q\s+12\s+1\s+11\s+1\s+1\s+1`)
	deadline := time.Now().Add(5 * time.Second)
	for !row.MatchString(ana.scr.since(mark)) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !row.MatchString(ana.scr.since(mark)) {
		t.Fatalf("ana's start screen lacks q's row (12 items, 1 done, 11 left, 1 yours, 1 today, overlap 1):\n%s", ana.scr.since(mark))
	}
	if strings.Contains(ana.scr.text(), "second") {
		t.Fatalf("ana (queues=q) is offered queue second:\n%s", ana.scr.text())
	}
	ana.keys(t, "t")
	ana.see(t, "for leads")
	ana.keys(t, "q")
	ana.wait(t)
	ben.keys(t, "q")
	ben.wait(t)
	f.logged(t, "event=end", "name=ana", "decisions=1", "items=2", "reason=quit", "sent_per_item=")
}

// Two annotators with their own keys on a queue with overlap 2: different items by lease, every event
// under the key's name, no item past 2 decisions; a third person gets nothing once every item has 2.
func TestTwoAnnotatorsOverlapTwo(t *testing.T) {
	f := newFixture(t, func(f *fixture, o *serve.Options) {
		if err := f.ws.SetOverlap(context.Background(), "q", 2); err != nil {
			t.Fatal(err)
		}
	})
	ana := f.shell(t, f.ana, 120, 40)
	ben := f.shell(t, f.ben, 120, 40)
	ana.openQueue(t, "lease")
	ben.openQueue(t, "lease")
	first := func(tm *term) string {
		tm.see(t, "sample lease")
		m := regexp.MustCompile(`(text-\d{8}) sample lease`).FindAllStringSubmatch(tm.scr.text(), -1)
		if len(m) == 0 {
			t.Fatalf("no item id on screen:\n%s", tm.scr.text())
		}
		return m[len(m)-1][1]
	}
	if a, b := first(ana), first(ben); a == b {
		t.Fatalf("ana and ben were both handed %s", a)
	}
	for range 12 {
		ana.keys(t, "a")
		ben.keys(t, "x")
	}
	ana.see(t, "queue done")
	ben.see(t, "queue done")
	ana.keys(t, "q", "q")
	ben.keys(t, "q", "q")
	ana.wait(t)
	ben.wait(t)
	per := decisionsPerItem(t, f.db)
	if len(per) != 12 {
		t.Fatalf("%d items decided, want 12: %v", len(per), per)
	}
	for id, who := range per {
		if len(who) != 2 || who[0] == who[1] {
			t.Errorf("item %d decided by %v, want ana and ben once each", id, who)
		}
		for _, w := range who {
			if w != "ana" && w != "ben" {
				t.Errorf("item %d: a decision under %q", id, w)
			}
		}
	}
	lea := f.shell(t, f.lea, 120, 40)
	lea.openQueue(t, "/12")
	lea.see(t, "queue done")
}

// A lead's team view shows the team's figures and follows them live.
func TestLeadTeamView(t *testing.T) {
	f := newFixture(t, func(f *fixture, o *serve.Options) {
		o.Team = func(ctx context.Context, queue string) (string, error) {
			p, err := f.ws.Progress(ctx, queue, time.Now())
			if err != nil {
				return "", err
			}
			var b strings.Builder
			for _, a := range p.Annotators {
				b.WriteString(a.Name + " decided " + strings.Repeat("*", a.Decided) + "\n")
			}
			for _, l := range p.Leases {
				b.WriteString("lease " + l.Annotator + "\n")
			}
			return b.String(), nil
		}
	})
	lea := f.shell(t, f.lea, 120, 40)
	lea.scr.waitFor(t, "t team view")
	lea.keys(t, "t")
	lea.scr.waitFor(t, "team view")
	ana := f.shell(t, f.ana, 120, 40)
	ana.openQueue(t, "1/12")
	lea.see(t, "lease ana")
	ana.keys(t, "a", "a")
	lea.see(t, "ana decided **")
	lea.keys(t, "q")
	lea.see(t, "Choose a queue")
}

// Blind mode set on the queue holds over SSH: the values stay hidden, and neither a filter nor an
// order on them is taken.
func TestBlindQueueCannotBeTurnedOff(t *testing.T) {
	f := newFixture(t, func(f *fixture, o *serve.Options) {
		if err := f.ws.SetQueueBlind(context.Background(), "q", true); err != nil {
			t.Fatal(err)
		}
	})
	ana := f.shell(t, f.ana, 160, 48)
	ana.scr.waitFor(t, "blind: the judges'")
	ana.keys(t, "\r")
	ana.scr.waitFor(t, "1/12")
	value := regexp.MustCompile(`(clarity|structure|style)\s+[█░▏▎▍▌▋▊▉]+\s+\d`)
	mark := ana.scr.mark()
	ana.keys(t, "/", "judge=text=0:4\r")
	ana.see(t, "blind mode: filters")
	ana.keys(t, "\x1b") // the prompt stays open to fix the filter: esc closes it
	time.Sleep(100 * time.Millisecond)
	ana.keys(t, "o")
	ana.see(t, "sorting by judge values is off")
	for _, k := range []string{"z", "z", "t", "t", "tab", "S", "q", "?", "q", "j", "k"} {
		if k == "tab" {
			k = "\t"
		}
		ana.keys(t, k)
	}
	time.Sleep(300 * time.Millisecond)
	if m := value.FindString(ana.scr.since(mark)); m != "" {
		t.Fatalf("blind queue showed a value: %q", m)
	}
	ana.keys(t, "a", "k") // decided: now revealed
	for i := 0; ; i++ {
		m := ana.scr.mark()
		if err := ana.s.WindowChange(ana.h, ana.w+i%2); err != nil { // a full repaint
			t.Fatal(err)
		}
		time.Sleep(400 * time.Millisecond)
		if value.MatchString(ana.scr.since(m)) {
			break
		}
		if i == 25 {
			t.Fatalf("the decided item does not show its values (the pattern finds nothing):\n%s", ana.scr.since(mark))
		}
	}
}

// Annotators over SSH cannot export (a file on the server) or re-judge (API money); leads may re-judge.
func TestRolesLimitServerSideActions(t *testing.T) {
	f := newFixture(t, func(f *fixture, o *serve.Options) {
		open := o.Open
		o.Open = func(ctx context.Context, who serve.Annotator, queue string) (tui.Config, error) {
			cfg, err := open(ctx, who, queue)
			cfg.Export = func(context.Context, string, string, string) (string, error) { return "exported", nil }
			cfg.Judges = []string{"gpt"}
			cfg.Rejudge = func(context.Context, int64, string) (string, error) { return "rejudged", nil }
			return cfg, err
		}
	})
	ana := f.shell(t, f.ana, 120, 40)
	ana.openQueue(t, "1/12")
	ana.keys(t, "E")
	ana.scr.waitFor(t, "export is not available here")
	mark := ana.scr.mark()
	ana.keys(t, "R")
	time.Sleep(300 * time.Millisecond)
	if strings.Contains(ana.scr.since(mark), "gpt") {
		t.Fatalf("an annotator was offered re-judging:\n%s", ana.scr.since(mark))
	}
	lea := f.shell(t, f.lea, 120, 40)
	lea.openQueue(t, "/12")
	lea.keys(t, "E")
	lea.see(t, "export is not available here")
	lea.keys(t, "R")
	lea.see(t, "gpt")
}

// A session without keys for the idle timeout ends with a message.
func TestIdleTimeout(t *testing.T) {
	f := newFixture(t, func(f *fixture, o *serve.Options) { o.IdleTimeout = 700 * time.Millisecond })
	ana := f.shell(t, f.ana, 120, 40)
	ana.openQueue(t, "1/12")
	ana.scr.waitFor(t, "no key for 700ms: disconnected")
	ana.wait(t)
	f.logged(t, "event=end", "name=ana", "reason=idle")
}

// At most MaxSessions at once; at most RatePerMinute sessions per key per minute.
func TestSessionLimits(t *testing.T) {
	f := newFixture(t, func(f *fixture, o *serve.Options) { o.MaxSessions = 1 })
	ana := f.shell(t, f.ana, 120, 40)
	ana.scr.waitFor(t, "Choose a queue")
	ben := f.shell(t, f.ben, 120, 40)
	ben.scr.waitFor(t, "the server is full (1 sessions)")
	ben.wait(t)

	g := newFixture(t, func(f *fixture, o *serve.Options) { o.RatePerMinute = 2 })
	for range 2 {
		tm := g.shell(t, g.ana, 80, 24)
		tm.scr.waitFor(t, "Choose a queue")
		tm.keys(t, "q")
		tm.wait(t)
	}
	tm := g.shell(t, g.ana, 80, 24)
	tm.scr.waitFor(t, "too many connections with this key")
	other := g.shell(t, g.ben, 80, 24) // another key is not limited by ana's
	other.scr.waitFor(t, "Choose a queue")
}

// Shutdown tells each session, ends it, and every decision the screen acknowledged is in the workspace.
func TestShutdownTellsSessions(t *testing.T) {
	f := newFixture(t)
	ana := f.shell(t, f.ana, 120, 40)
	ana.openQueue(t, "1/12")
	ana.keys(t, "a", "a", "a")
	ana.scr.waitFor(t, "4/12")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := f.srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	ana.scr.waitFor(t, "the server is shutting down")
	ana.wait(t)
	if n := events(t, f.db, "ana"); n != 3 {
		t.Fatalf("%d decisions stored, the screen acknowledged 3", n)
	}
	f.logged(t, "event=end", "name=ana", "decisions=3", "reason=shutdown")
}

// --open lets an unknown key in under a name it chooses, marked unverified; a known name is refused.
func TestOpenAccessAsksForAName(t *testing.T) {
	f := newFixture(t, func(f *fixture, o *serve.Options) { o.OpenAccess = true })
	tm := f.shell(t, f.stranger, 120, 40)
	tm.scr.waitFor(t, "Your name:")
	tm.keys(t, "a", "n", "a", "\r")
	tm.scr.waitFor(t, "belongs to a known key")
	tm.keys(t, "\x7f", "\x7f", "\x7f", "z", "o", "e", "\r")
	tm.openQueue(t, "1/12")
	tm.keys(t, "a")
	tm.scr.waitFor(t, "2/12")
	tm.keys(t, "q", "q")
	tm.wait(t)
	if n := events(t, f.db, serve.UnverifiedPrefix+"zoe"); n != 1 {
		t.Fatalf("%d decisions under unverified:zoe, want 1", n)
	}
	if n := events(t, f.db, "ana"); n != 0 {
		t.Fatalf("the stranger's decision went to ana")
	}
	f.logged(t, "event=unverified", "name=unverified:zoe", "key=SHA256:")
}

// rawCount counts a byte string in everything the session received so far.
func (s *screen) rawCount(sub string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Count(s.raw.String(), sub)
}

// Bandwidth: a kitty picture is transmitted once per session and placed again by its id when the
// person comes back to it; a sixel picture is sent again only when what is under it changed, not for
// keys that change the text pane alone.
func TestPicturesSentOnce(t *testing.T) {
	kitty := newFixture(t, func(f *fixture, o *serve.Options) { o.Protocol = termimg.Kitty })
	tm := kitty.shell(t, kitty.ana, 120, 40)
	tm.openQueue(t, "1/12")
	transmits := func() int { return tm.scr.rawCount("\x1b_Ga=t") + tm.scr.rawCount("\x1b_Ga=T") }
	for deadline := time.Now().Add(10 * time.Second); transmits() < 1 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond) // the first item's picture (the frame comes before it)
	}
	// (no see: its resize clears the screen, and kitty frees its stored pictures on a clear)
	settled := func() int {
		n := transmits()
		for range 20 {
			time.Sleep(150 * time.Millisecond)
			if m := transmits(); m == n {
				return n
			}
			n = transmits()
		}
		return n
	}
	tm.keys(t, "j")
	for deadline := time.Now().Add(10 * time.Second); transmits() < 2 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond) // the second item's picture is on its way
	}
	after := settled()
	if after == 0 {
		t.Fatal("no kitty transmission at all")
	}
	for range 3 {
		tm.keys(t, "k")
		time.Sleep(200 * time.Millisecond)
		tm.keys(t, "j")
		time.Sleep(200 * time.Millisecond)
	}
	if got := settled(); got != after {
		t.Fatalf("moving back and forth transmitted %d pictures again (kitty ids place them)", got-after)
	}

	sixel := newFixture(t, func(f *fixture, o *serve.Options) { o.Protocol = termimg.Sixel })
	tm = sixel.shell(t, sixel.ana, 120, 40)
	tm.openQueue(t, "1/12")
	for deadline := time.Now().Add(10 * time.Second); tm.scr.rawCount("\x1bP") == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	before := tm.scr.rawCount("\x1bP")
	if before == 0 {
		t.Fatal("no sixel picture at all")
	}
	for _, k := range []string{"\t", "\t", "\t", "5"} {
		tm.keys(t, k)
		time.Sleep(200 * time.Millisecond)
	}
	if got := tm.scr.rawCount("\x1bP"); got != before {
		t.Fatalf("keys that changed only the text pane sent the sixel picture %d more times", got-before)
	}
}

// A pair queue opens the comparison screen over SSH: blind, the choice stored with the side it was
// given on.
func TestPairQueueOverSSH(t *testing.T) {
	f := newFixture(t, func(f *fixture, o *serve.Options) {
		prism := filepath.Join(f.dir, "prism")
		loupe(t, "demo", "gen", "--prism", "--out", prism, "--images", "2", "--prompts", "3", "--models", "m1,m2", "--image-size", "32")
		loupe(t, "--db", f.db, "import", prism, "-q", "--judge", "j")
		loupe(t, "--db", f.db, "sample", "--pairs", "--name", "pq", "--models", "m1,m2", "--lang", "en", "--seed", "1")
		o.OpenPairs = func(ctx context.Context, who serve.Annotator, queue string) (*tui.CompareConfig, error) {
			if ok, err := f.ws.IsPairQueue(ctx, queue); err != nil || !ok {
				return nil, err
			}
			ses, err := f.ws.OpenPairSession(ctx, queue, who.Name)
			if err != nil {
				return nil, err
			}
			return &tui.CompareConfig{Session: ses}, nil
		}
	})
	ben := f.shell(t, f.ben, 120, 40) // every queue, by name: pq, then q
	ben.scr.waitFor(t, "pq")
	ben.keys(t, "\r")
	ben.scr.waitFor(t, "right")
	if txt := ben.scr.text(); strings.Contains(txt, "m1") || strings.Contains(txt, "m2") {
		t.Fatalf("a model name before the answer in a blind pair queue:\n%s", txt)
	}
	ben.keys(t, "1")
	ben.scr.waitFor(t, "previous pair 1")
	ben.keys(t, "q")
	ben.scr.waitFor(t, "Choose a queue")
	ben.keys(t, "q")
	ben.wait(t)
	f.logged(t, "event=end", "name=ben", "queues=pq", "decisions=1", "items=2", "reason=quit")
	pq, err := f.ws.Store().PairQueueInfo(context.Background(), "pq")
	if err != nil {
		t.Fatal(err)
	}
	ans, err := f.ws.Store().PairAnswers(context.Background(), pq, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ans) != 1 || ans[0].Annotator != "ben" || ans[0].Choice.String() != "left" {
		t.Fatalf("answers %+v: want ben's left", ans)
	}
	p, _ := f.ws.Store().Pair(context.Background(), pq, ans[0].Pos)
	if ans[0].LeftItem != p.Left().Item {
		t.Fatalf("left item %d, the pair shows %d on the left", ans[0].LeftItem, p.Left().Item)
	}
}
