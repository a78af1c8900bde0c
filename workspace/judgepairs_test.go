package workspace

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/ingest"
	"github.com/loupe-dev/loupe/judge"
	"github.com/loupe-dev/loupe/judge/judgetest"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
	"github.com/loupe-dev/loupe/vlm"
)

// pairsWorkspace makes a workspace with PRISM-style generations of two models (7 tracks x 1 prompt,
// real picture files) and pair queue "p" of their 7 prompt-matched pairs, and a backend pointing at srv.
func pairsWorkspace(t *testing.T, srv *judgetest.Server) (*Workspace, *vlm.Backend) {
	t.Helper()
	ctx := context.Background()
	prism := filepath.Join(t.TempDir(), "prism")
	if err := dataset.WritePrism(dataset.PrismOptions{Out: prism, Seed: 3, Prompts: 1, Images: 1, Models: []string{"m1", "m2"}, ImageSize: 32}); err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t)
	if _, err := ingest.Import(ctx, st, []string{prism}, ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	w := New(st)
	if res, err := w.SamplePairs(ctx, PairSampleRequest{Name: "p", Models: []string{"m1", "m2"}, Seed: 1}); err != nil || res.Pairs != 7 {
		t.Fatalf("sample pairs: %+v %v", res, err)
	}
	retries := 1
	b := &vlm.Backend{Name: "emu", Kind: vlm.KindVLLM, BaseURL: srv.BaseURL(), Model: "Qwen/Qwen2.5-VL-72B-Instruct", Concurrency: 4,
		MaxRetries: &retries, Timeout: vlm.Duration{Duration: 30 * time.Second}}
	if err := b.Normalize(); err != nil {
		t.Fatal(err)
	}
	return w, b
}

// storedPairs lists the rater's stored answers on queue p.
func storedPairs(t *testing.T, w *Workspace, rater string) []store.StoredPairVerdict {
	t.Helper()
	ctx := context.Background()
	pq, err := w.st.PairQueueInfo(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	vs, err := w.st.PairVerdicts(ctx, pq, "alignment")
	if err != nil {
		t.Fatal(err)
	}
	var out []store.StoredPairVerdict
	for _, v := range vs {
		if v.Rater == rater {
			out = append(out, v)
		}
	}
	return out
}

func runRecord(t *testing.T, w *Workspace, id int64) (status, settings string) {
	t.Helper()
	if err := w.st.DB.QueryRow(`SELECT status, settings FROM runs WHERE id = ?`, id).Scan(&status, &settings); err != nil {
		t.Fatal(err)
	}
	return status, settings
}

// TestJudgePairsBothOrders: every pair is asked in both orders and stored as two rows with first and
// second swapped; a judge that always picks Image 1 has a first share of 1 and flips on every pair; the
// run is recorded with pairs=true; a rerun asks nothing.
func TestJudgePairsBothOrders(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	srv.SetAnswer(judgetest.AlwaysPick("1"))
	w, b := pairsWorkspace(t, srv)
	ctx := context.Background()
	var last judge.Progress
	rep, err := w.JudgePairs(ctx, JudgePairsRequest{Queue: "p", Backend: b, OnProgress: func(p judge.Progress) { last = p }})
	if err != nil || rep.Err != nil {
		t.Fatalf("%v %v", err, rep.Err)
	}
	if rep.Asked != 14 || rep.AnswersAB != 7 || rep.AnswersBA != 7 || rep.Judged != 7 || rep.Unreadable != 0 || rep.Status != "done" || len(srv.Requests()) != 14 {
		t.Errorf("report %+v, %d requests", rep, len(srv.Requests()))
	}
	if last.Done != 14 || last.Total != 14 || last.Verdicts != 14 {
		t.Errorf("last progress %+v", last)
	}
	if !strings.HasPrefix(rep.Rater, "Qwen/Qwen2.5-VL-72B-Instruct / loupe-pair-v1@") {
		t.Errorf("rater %q", rep.Rater)
	}
	bias := rep.Bias
	if bias.FirstShare != 1 || bias.Answers != 14 || bias.Pairs != 7 || bias.Flips != 7 || bias.Consistent != 0 {
		t.Errorf("bias %+v", bias)
	}
	vs := storedPairs(t, w, rep.Rater)
	seen := map[[2]int64]bool{}
	for _, v := range vs {
		if v.Pick != "first" || v.Error != "" || v.Justification == "" {
			t.Errorf("stored %+v", v)
		}
		seen[[2]int64{v.First, v.Second}] = true
	}
	for k := range seen {
		if !seen[[2]int64{k[1], k[0]}] {
			t.Errorf("items %d, %d answered in one order only", k[0], k[1])
		}
	}
	if len(vs) != 14 || len(seen) != 14 {
		t.Errorf("%d answers stored (%d orders)", len(vs), len(seen))
	}
	if status, settings := runRecord(t, w, rep.RunID); status != "done" || !strings.Contains(settings, `"pairs":true`) || strings.Contains(settings, "api_key\":\"sk") {
		t.Errorf("run %q %s", status, settings)
	}
	// a rerun asks nothing and records no run; the bias is still reported
	rep2, err := w.JudgePairs(ctx, JudgePairsRequest{Queue: "p", Backend: b})
	if err != nil || rep2.Asked != 0 || rep2.AlreadyDone != 14 || rep2.RunID != 0 || len(srv.Requests()) != 14 || rep2.Bias != bias {
		t.Errorf("rerun: %+v %v, %d requests", rep2, err, len(srv.Requests()))
	}
	// another dimension is another set of answers
	rep3, err := w.JudgePairs(ctx, JudgePairsRequest{Queue: "p", Backend: b, Dimension: "aesthetics", Orders: PairOrdersAB, Limit: 3})
	if err != nil || rep3.Asked != 3 || rep3.AnswersAB+rep3.AnswersBA != 3 || len(srv.Requests()) != 17 {
		t.Errorf("aesthetics, ab, limit 3: %+v %v", rep3, err)
	}
}

// TestJudgePairsByContent: a judge that decides from the pictures names the same model in both orders.
func TestJudgePairsByContent(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	srv.KeepBodies = true
	srv.SetAnswer(judgetest.PairByImages(func(imgs []judgetest.Image) string {
		if len(imgs) != 2 {
			return "no pair"
		}
		switch c := bytes.Compare(imgs[0].Data, imgs[1].Data); {
		case c > 0:
			return "Image 1"
		case c < 0:
			return "right"
		}
		return "tie"
	}))
	w, b := pairsWorkspace(t, srv)
	rep, err := w.JudgePairs(context.Background(), JudgePairsRequest{Queue: "p", Backend: b})
	if err != nil || rep.Err != nil || rep.Unreadable != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	if s := rep.Bias; s.Pairs != 7 || s.Flips != 0 || s.Consistent+s.Tied != 7 || s.Consistent == 0 || s.FirstShare != 0.5 {
		t.Errorf("bias %+v", s)
	}
}

// TestJudgePairsUnreadableAndOrder: an answer that is not a verdict is stored with its error, its raw
// text and no pick, and is not asked again unless asked to (RetryUnreadable); --order ab shows each
// pair's left picture first; a fatal error stops the run, which is recorded as failed.
func TestJudgePairsUnreadableAndOrder(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	srv.SetAnswer(judgetest.AlwaysPick("2"))
	srv.SetScript(func(n int, _ *judgetest.Request) *judgetest.Reply {
		if n == 2 {
			return &judgetest.Reply{Content: "I like the second one more."}
		}
		return nil
	})
	w, b := pairsWorkspace(t, srv)
	ctx := context.Background()
	rep, err := w.JudgePairs(ctx, JudgePairsRequest{Queue: "p", Backend: b, Orders: PairOrdersAB})
	if err != nil || rep.Err != nil || rep.Asked != 7 || rep.Unreadable != 1 || rep.Judged != 7 || len(srv.Requests()) != 7 {
		t.Fatalf("%+v %v", rep, err)
	}
	pq, _ := w.st.PairQueueInfo(ctx, "p")
	pairs, _ := w.st.Pairs(ctx, pq)
	left := map[int64]bool{}
	for _, p := range pairs {
		left[p.Left().Item] = true
	}
	bad := 0
	for _, v := range storedPairs(t, w, rep.Rater) {
		if !left[v.First] {
			t.Errorf("order ab showed item %d (not the left one) first", v.First)
		}
		if v.Pick == "" {
			bad++
			if !strings.HasPrefix(v.Error, "not a JSON object") {
				t.Errorf("unreadable answer stored with error %q", v.Error)
			}
		}
	}
	var raw string
	if err := w.st.DB.QueryRow(`SELECT raw FROM pair_verdicts WHERE pick IS NULL`).Scan(&raw); err != nil || bad != 1 || raw != "I like the second one more." {
		t.Errorf("%d unreadable stored, raw %q %v", bad, raw, err)
	}
	if rep.Bias.Unreadable != 1 || rep.Bias.Answers != 6 || rep.Bias.Pairs != 0 || rep.Bias.FirstShare != 0 {
		t.Errorf("bias %+v", rep.Bias)
	}
	rep, err = w.JudgePairs(ctx, JudgePairsRequest{Queue: "p", Backend: b, Orders: PairOrdersAB})
	if err != nil || rep.Asked != 0 || len(srv.Requests()) != 7 {
		t.Errorf("rerun asked %d: %+v %v", len(srv.Requests())-7, rep, err)
	}
	rep, err = w.JudgePairs(ctx, JudgePairsRequest{Queue: "p", Backend: b, Orders: PairOrdersAB, RetryUnreadable: true})
	if err != nil || rep.Asked != 1 || rep.Unreadable != 0 || rep.Bias.Unreadable != 0 || len(srv.Requests()) != 8 {
		t.Errorf("retry unreadable: %+v %v, %d requests", rep, err, len(srv.Requests()))
	}
	// the other orders, with the quota gone: the run stops at once and is recorded as failed
	srv.SetScript(func(int, *judgetest.Request) *judgetest.Reply {
		return &judgetest.Reply{Status: 429, ErrCode: "insufficient_quota", ErrType: "insufficient_quota", ErrMessage: "You exceeded your current quota"}
	})
	rep, err = w.JudgePairs(ctx, JudgePairsRequest{Queue: "p", Backend: b, Concurrency: 1})
	if err != nil || rep.Status != "failed" || rep.Err == nil || !strings.Contains(rep.Err.Error(), "quota") || rep.AnswersAB+rep.AnswersBA != 0 {
		t.Fatalf("quota: %+v %v", rep, err)
	}
	if status, _ := runRecord(t, w, rep.RunID); status != "failed" || len(srv.Requests()) > 9 {
		t.Errorf("run %q, %d requests", status, len(srv.Requests())-8)
	}
}

// TestJudgePairsCancel: cancelling stops the run, keeps what was stored and records the run as
// cancelled; the next run asks only the rest.
func TestJudgePairsCancel(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	srv.SetAnswer(judgetest.AlwaysPick("tie"))
	srv.SetLatency(20 * time.Millisecond)
	w, b := pairsWorkspace(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep, err := w.JudgePairs(ctx, JudgePairsRequest{Queue: "p", Backend: b, Concurrency: 1, Abandon: context.Background(),
		OnProgress: func(p judge.Progress) {
			if p.Done == 3 {
				cancel()
			}
		}})
	if err != nil || rep.Status != "cancelled" || rep.Err == nil {
		t.Fatalf("%+v %v", rep, err)
	}
	stored := len(storedPairs(t, w, rep.Rater))
	if n := rep.AnswersAB + rep.AnswersBA; n < 3 || n >= 14 || stored != n {
		t.Errorf("%d answers, %d stored", n, stored)
	}
	if status, _ := runRecord(t, w, rep.RunID); status != "cancelled" {
		t.Errorf("run %q", status)
	}
	rep2, err := w.JudgePairs(context.Background(), JudgePairsRequest{Queue: "p", Backend: b})
	if err != nil || rep2.Asked != 14-stored || rep2.Status != "done" || len(storedPairs(t, w, rep.Rater)) != 14 {
		t.Errorf("resume: %+v %v", rep2, err)
	}
	if s := rep2.Bias; s.Pairs != 7 || s.Tied != 7 || s.Ties != 14 || s.FirstShare != 0 {
		t.Errorf("bias %+v", s)
	}
}
