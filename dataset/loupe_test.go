package dataset

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/review"
)

// TestReadManifestLoupeExport: a line `loupe export` wrote is read with its kind, generation, caption
// flags, the pipeline's own scores, machine labels and history; its "scores" (final values) do not
// become pipeline scores. A plain manifest line beside it is read as before.
func TestReadManifestLoupeExport(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.jsonl")
	lines := []string{
		// a generation: a person's 7.5 and a judge's 8 are final values, not the pipeline's
		`{"id": "prism-en/m/style/3", "image": "i/g.png", "subset": "prism-en/m", "texts": {"prompt": {"en": "a fox"}},
		  "scores": {"prism_alignment": 7.5, "prism_aesthetics": 8}, "kind": "generation", "track": "style", "model": "m",
		  "decision": "rejected", "decided_by": "lead",
		  "provenance": {"prism_alignment": {"value": 7.5, "source": "human", "who": "ana"}, "prism_aesthetics": {"value": 8, "source": "judge", "who": "gpt"}},
		  "history": {"events": 3, "log": [
		    {"seq": 1, "annotator": "ana", "kind": "set", "dimension": "prism_alignment", "value": 7.5, "reason": "missed the tail", "at": "2025-01-01T00:00:00.000Z"},
		    {"seq": 2, "annotator": "ana", "kind": "set", "dimension": "decision", "value": 1, "value_text": "accept", "at": "2025-01-01T00:00:01.000Z"},
		    {"seq": 3, "annotator": "lead", "kind": "final", "dimension": "decision", "value": 0, "value_text": "reject", "at": "2025-01-02T00:00:00.000Z"}]},
		  "prompt_ref": {"suite": "prism", "lang": "en", "index": 3},
		  "captions_present": [],
		  "labels": [{"dimension": "prism_aesthetics", "rater": "gpt", "rater_kind": "judge", "value": 8, "rubric": "abc"},
		             {"dimension": "prism_alignment", "rater": "gpt", "rater_kind": "judge", "value": null, "error": "refused"}]}`,
		// a sample whose composition a person overrode: the pipeline's 6 comes back, not the 7.5
		`{"id": "s1", "image": "i/s.png", "texts": {"original": {"en": "stock photo"}}, "scores": {"composition": 7.5},
		  "kind": "sample", "decision": "unreviewed", "provenance": {"composition": {"value": 7.5, "source": "human", "who": "ana"}},
		  "history": {"events": 1, "log": [{"seq": 1, "annotator": "ana", "kind": "set", "dimension": "composition", "value": 7.5, "at": ""}]},
		  "captions_present": ["original"], "pipeline": {"composition": 6}}`,
		// an older export: provenance only
		`{"id": "prism-en/m/style/4", "image": "i/h.png", "texts": {"prompt": {"zh": "一只狐狸"}}, "scores": {"prism_alignment": 2},
		  "kind": "generation", "track": "style", "model": "m", "decision": "accepted", "decided_by": "ana,ben",
		  "provenance": {"prism_alignment": {"value": 2, "source": "human", "who": "ben", "when": "2025-01-03T00:00:00Z"},
		                 "prism_aesthetics": {"value": 83, "source": "judge", "who": "gpt"},
		                 "clarity": {"value": 9, "source": "pipeline"}},
		  "history": {"events": 3, "last": "2025-01-04T00:00:00Z"}}`,
		// a plain manifest line
		`{"id": "plain", "image": "p.png", "scores": {"text": 7, "prism_alignment": 8.5}}`,
		// bad export fields: each line reported, the rest read
		`{"id": "bad-kind", "image": "x.png", "kind": "video", "decision": "unreviewed"}`,
		`{"id": "bad-rater", "image": "x.png", "kind": "sample", "labels": [{"dimension": "text", "rater": "ana", "rater_kind": "human", "value": 3}]}`,
		`{"id": "bad-replaces", "image": "x.png", "kind": "sample", "history": {"log": [{"seq": 1, "annotator": "ana", "kind": "undo", "replaces": 2, "at": ""}]}}`,
		`{"id": "bad-value", "image": "x.png", "kind": "sample", "labels": [{"dimension": "text", "rater": "j", "rater_kind": "judge", "value": 11}]}`,
		`{"id": "no-prompt", "image": "x.png", "kind": "generation", "track": "style", "model": "m", "decision": "unreviewed"}`,
	}
	for i := range lines {
		lines[i] = strings.Join(strings.Fields(lines[i]), " ")
	}
	os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	items, probs, err := ReadManifest(p)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, pr := range probs {
		msgs = append(msgs, pr.String())
	}
	for i, want := range []string{`line 5: field "kind"`, "line 6: labels[0]: rater kind \"human\"", "line 7: history.log[0]: replaces 2",
		"line 8: labels[0]: value 11 is outside", "line 9: a generation needs its prompt"} {
		if i >= len(msgs) || !strings.Contains(msgs[i], want) {
			t.Errorf("problem %d: %v, want %q", i, msgs, want)
		}
	}
	if len(items) != 4 {
		t.Fatalf("%d items, want 4", len(items))
	}
	g, s, old, plain := items[0], items[1], items[2], items[3]
	if g.Loupe == nil || g.Loupe.Kind != review.Generation || g.Loupe.Track != "style" || g.Loupe.Model != "m" ||
		!reflect.DeepEqual(g.Loupe.Prompt, &review.PromptRef{Suite: "prism", Lang: "en", Index: 3}) {
		t.Fatalf("generation: %+v", g.Loupe)
	}
	if g.Scores != review.NoScores || g.Other != nil || !g.Loupe.HasCaptions || g.Captions != 0 {
		t.Errorf("generation: final values read as the pipeline's: %v %v, captions %b", g.Scores, g.Other, g.Captions)
	}
	if len(g.Loupe.Labels) != 2 || g.Loupe.Labels[1].Value != nil || g.Loupe.Labels[1].Error != "refused" || len(g.Loupe.Log) != 3 ||
		g.Loupe.Log[2].Kind != "final" || g.Loupe.Log[0].Reason != "missed the tail" {
		t.Errorf("generation: labels %+v, log %+v", g.Loupe.Labels, g.Loupe.Log)
	}
	if s.Scores[review.PipelineScoreIndex("composition")] != 6 || s.Captions != 1<<6 || len(s.Loupe.Log) != 1 {
		t.Errorf("sample: scores %v, captions %b, log %v", s.Scores, s.Captions, s.Loupe.Log)
	}
	// the older export: each final value under its own source; 83 (outside 0-10) has no rater to go to
	if old.Loupe.Prompt == nil || old.Loupe.Prompt.Index != 4 || old.Loupe.Prompt.Lang != "zh" || old.Scores[review.PipelineScoreIndex("clarity")] != 9 ||
		len(old.Loupe.Labels) != 0 {
		t.Errorf("older export: %+v, scores %v", old.Loupe, old.Scores)
	}
	var log []string
	for _, e := range old.Loupe.Log {
		log = append(log, e.Annotator+" "+e.Dimension+" "+e.At)
	}
	if strings.Join(log, ",") != "ben prism_alignment 2025-01-03T00:00:00Z,ana decision 2025-01-04T00:00:00Z,ben decision 2025-01-04T00:00:00Z" {
		t.Errorf("older export's history: %v", log)
	}
	if plain.Loupe != nil || plain.Scores[review.PipelineScoreIndex("text")] != 7 || plain.Other["prism_alignment"] != 8.5 {
		t.Errorf("plain line: %+v", plain)
	}
}

// A blind review's history (revisions after the reveal, unflags) is valid loupe history: an export of
// it imports again. A revision, like a set, needs a dimension and a value.
func TestRecordEventKindsOfBlindReview(t *testing.T) {
	v := 7.0
	at := "2026-12-07T12:00:00Z"
	for _, e := range []review.RecordEvent{
		{Seq: 1, Annotator: "ana", Kind: "revised_after_reveal", Dimension: "prism_alignment", Value: &v, At: at},
		{Seq: 1, Annotator: "ana", Kind: "unflag", At: at},
	} {
		if err := checkRecordEvent(e, 1); err != nil {
			t.Errorf("%s: %v", e.Kind, err)
		}
	}
	if err := checkRecordEvent(review.RecordEvent{Seq: 1, Annotator: "ana", Kind: "revised_after_reveal", At: at}, 1); err == nil {
		t.Error("a revision without a value was accepted")
	}
}
