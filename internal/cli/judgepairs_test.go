package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/judge/judgetest"
)

// pairsJudgeWorkspace makes a workspace with generations of two models (7 tracks x 1 prompt) and pair
// queue "arena" of their 7 pairs, and a configuration file with backend "emu" pointing at srv (and,
// with keyed, backend "emukey" sending the key in $LOUPE_TEST_PAIR_KEY).
func pairsJudgeWorkspace(t *testing.T, srv *judgetest.Server, keyed bool) (db, cfg string) {
	t.Helper()
	dir := t.TempDir()
	prism := filepath.Join(dir, "prism")
	if err := dataset.WritePrism(dataset.PrismOptions{Out: prism, Seed: 3, Prompts: 1, Images: 1, Models: []string{"m1", "m2"}, ImageSize: 32}); err != nil {
		t.Fatal(err)
	}
	db = filepath.Join(dir, "w.db")
	for _, args := range [][]string{
		{"--db", db, "import", prism, "-q"},
		{"--db", db, "sample", "--pairs", "--name", "arena", "--models", "m1,m2", "--seed", "1"},
	} {
		if code, _, e := run(t, args...); code != 0 {
			t.Fatalf("%v: %s", args, e)
		}
	}
	cfg = filepath.Join(dir, "loupe.toml")
	backend := func(name, extra string) string {
		return fmt.Sprintf("[backends.%s]\nkind = \"vllm\"\nbase_url = %q\nmodel = \"Qwen/Qwen2.5-VL-72B-Instruct\"\nconcurrency = 4\ntimeout = \"30s\"\nmax_retries = 1\n%s\n",
			name, srv.BaseURL(), extra)
	}
	conf := backend("emu", "") + "[backends.rules]\nkind = \"rules\"\n"
	if keyed {
		conf += backend("emukey", `api_key_env = "LOUPE_TEST_PAIR_KEY"`)
	}
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return db, cfg
}

// TestJudgePairsCommand: loupe judge --pairs asks both orders of every pair and stores them, prints the
// answers and the position bias (a judge that always picks Image 1 flips on every pair), takes the only
// VLM backend when --backend is not given, and asks nothing on a rerun; --json has the same numbers.
func TestJudgePairsCommand(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	srv.SetAnswer(judgetest.AlwaysPick("1"))
	db, cfg := pairsJudgeWorkspace(t, srv, false)
	code, out, e := run(t, "--db", db, "judge", "--pairs", "--config", cfg, "--queue", "arena")
	if code != 0 {
		t.Fatalf("judge --pairs: %d %s %s", code, out, e)
	}
	for _, want := range []string{"rater Qwen/Qwen2.5-VL-72B-Instruct / loupe-pair-v1@", "alignment, both orders", "pairs 7: to judge 7 (14 answers to ask)",
		"answers 14 (A first 7, B first 7), unreadable 0", "first picked 100% of 14 decisive answers", "both orders on 7 pairs: consistent 0, tied 0, flips 7"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := countRows(t, db, `SELECT count(*) FROM pair_verdicts WHERE pick = 'first' AND dimension = 'alignment' AND run_id IS NOT NULL`); n != 14 {
		t.Errorf("%d answers stored", n)
	}
	if n := countRows(t, db, `SELECT count(*) FROM pair_verdicts a JOIN pair_verdicts b ON a.first_item = b.second_item AND a.second_item = b.first_item`); n != 14 {
		t.Errorf("%d answers with their swapped order stored", n)
	}
	if n := countRows(t, db, `SELECT count(*) FROM runs WHERE kind = 'judge' AND status = 'done' AND settings LIKE '%"pairs":true%' AND verdicts = 14`); n != 1 {
		t.Errorf("%d run records", n)
	}
	code, out, e = run(t, "--db", db, "--json", "judge", "--pairs", "--config", cfg, "--backend", "emu", "--queue", "arena")
	var s struct {
		Asked       int `json:"answers_to_ask"`
		AlreadyDone int `json:"already_answered"`
		Bias        struct {
			FirstShare float64 `json:"first_share"`
			Flips      int     `json:"flips"`
		} `json:"bias"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil || s.Asked != 0 || s.AlreadyDone != 14 || s.Bias.Flips != 7 || s.Bias.FirstShare != 1 {
		t.Errorf("rerun: %d %s %s", code, out, e)
	}
	if n := len(srv.Requests()); n != 14 {
		t.Errorf("%d requests in all", n)
	}
	// aesthetics, the queue's order only, two pairs
	code, out, e = run(t, "--db", db, "judge", "--pairs", "--config", cfg, "--queue", "arena", "--dimension", "aesthetics", "--order", "ab", "--limit", "2", "--quiet")
	if code != 0 || !strings.Contains(out, "to judge 2 (2 answers to ask)") || countRows(t, db, `SELECT count(*) FROM pair_verdicts WHERE dimension = 'aesthetics'`) != 2 {
		t.Errorf("aesthetics: %d %s %s", code, out, e)
	}
}

// TestJudgePairsCommandErrors: wrong flags are usage errors, an unknown queue says how to make one, and
// the API key is neither stored nor printed.
func TestJudgePairsCommandErrors(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	srv.SetAnswer(func(r *judgetest.Request) string { return judgetest.PairAnswer("2", "seen with "+r.Auth) })
	db, cfg := pairsJudgeWorkspace(t, srv, true)
	const key = "sk-test-pairs-0123456789abcdef"
	t.Setenv("LOUPE_TEST_PAIR_KEY", key)
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"--backend", "emu"}, "--pairs needs --queue"},
		{[]string{"--queue", "arena"}, "--backend is required (a VLM backend from the configuration file: emu, emukey)"},
		{[]string{"--queue", "arena", "--backend", "rules"}, "offline judge"},
		{[]string{"--queue", "arena", "--backend", "emu", "--items", "1"}, "--items"},
		{[]string{"--queue", "arena", "--backend", "emu", "--dimension", "both"}, "use alignment or aesthetics"},
		{[]string{"--queue", "arena", "--backend", "emu", "--order", "ba"}, `--order "ba"`},
		{[]string{"--queue", "arena", "--backend", "emu", "--limit", "-1"}, "--limit -1"},
	} {
		code, _, e := run(t, append([]string{"--db", db, "judge", "--pairs", "--config", cfg}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(e, tc.err) {
			t.Errorf("%v: %d %s", tc.args, code, e)
		}
	}
	code, _, e := run(t, "--db", db, "judge", "--pairs", "--config", cfg, "--backend", "emu", "--queue", "nope")
	if code != ExitError || !strings.Contains(e, "loupe sample --pairs") {
		t.Errorf("unknown queue: %d %s", code, e)
	}
	code, out, e := run(t, "--db", db, "judge", "--pairs", "--config", cfg, "--backend", "emukey", "--queue", "arena", "--order", "ab")
	if code != 0 || strings.Contains(out+e, key) || !strings.Contains(out, "first picked 0% of 7") {
		t.Errorf("keyed: %d %s %s", code, out, e)
	}
	if n := countRows(t, db, `SELECT count(*) FROM pair_verdicts WHERE justification LIKE 'seen with Bearer %'`); n != 7 {
		t.Errorf("%d answers echoing the header", n)
	}
	if n := countRows(t, db, fmt.Sprintf(`SELECT (SELECT count(*) FROM pair_verdicts WHERE instr(justification || raw, '%s') > 0)
		+ (SELECT count(*) FROM judge_cache WHERE instr(CAST(response AS TEXT), '%s') > 0)
		+ (SELECT count(*) FROM runs WHERE instr(settings, '%s') > 0)`, key, key, key)); n != 0 {
		t.Errorf("the API key is stored %d times", n)
	}
}
