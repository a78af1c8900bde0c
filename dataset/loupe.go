package dataset

import (
	"encoding/json"
	"fmt"
	"math"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/review"
)

// LoupeRecord is what a record written by `loupe export` says about an item beyond a plain manifest line
// (a JSONL line's extra fields, a Parquet row's loupe_* columns), resolved into what the workspace
// stores: the importer gives the item back as it was exported.
type LoupeRecord struct {
	Kind  review.ItemKind
	Track string
	Model string
	// Prompt is a generation's prompt; its text is the item's "prompt" text in Prompt.Lang. Index -1:
	// none recorded (the importer takes the next free index of the suite's track).
	Prompt *review.PromptRef
	// Captions are the item's caption flags (bit k: review.CaptionKinds[k]) when the record gives them
	// (HasCaptions); for "original" a flag says the caption passed the alignment gate.
	Captions    uint16
	HasCaptions bool
	// Scores are the dataset pipeline's own scores (stored inline). The record's final values ("scores",
	// score_* columns) are not read: they may be a human's or a judge's.
	Scores review.Scores
	Labels []review.RecordLabel // machine labels, each of its own rater
	Log    []review.RecordEvent // the human history, replayed in order
}

// loupeValue is a final value's provenance as an export writes it (export.Value).
type loupeValue struct {
	Value  *float64 `json:"value"`
	Source string   `json:"source"`
	Who    string   `json:"who"`
	When   string   `json:"when"`
	Rubric string   `json:"rubric"`
}

// loupeFields are a record's fields beyond a manifest line. An older loupe wrote only kind, track, model,
// decision, decided_by, provenance and a history summary: those records are read from the provenance
// (each final value as a label of its source: a person's, a judge's or the pipeline's).
type loupeFields struct {
	Kind       string                `json:"kind"`
	Track      string                `json:"track"`
	Model      string                `json:"model"`
	Prompt     *review.PromptRef     `json:"prompt_ref"`
	Captions   *[]string             `json:"captions_present"`
	Decision   string                `json:"decision"`
	DecidedBy  string                `json:"decided_by"`
	Pipeline   map[string]float64    `json:"pipeline"`
	Provenance map[string]loupeValue `json:"provenance"`
	Labels     *[]review.RecordLabel `json:"labels"`
	History    *loupeHistory         `json:"history"`
}

type loupeHistory struct {
	Last string                `json:"last"`
	Log  *[]review.RecordEvent `json:"log"`
}

// loupeKeys are the fields that mark a manifest line as one `loupe export` wrote.
var loupeKeys = []string{"provenance", "prompt_ref", "pipeline", "labels", "history", "decision"}

// parseLoupeLine reads the export fields of a manifest line (nil when it has none: a plain manifest).
func parseLoupeLine(raw map[string]json.RawMessage, line []byte, id string, texts []review.Text) (*LoupeRecord, error) {
	found := false
	for _, k := range loupeKeys {
		if _, ok := raw[k]; ok {
			found = true
		}
	}
	if !found {
		return nil, nil
	}
	var lf loupeFields
	if err := json.Unmarshal(line, &lf); err != nil {
		return nil, fmt.Errorf("loupe export fields: %s", jsonErr(err))
	}
	return lf.record(id, texts)
}

// record checks the fields and resolves them into a LoupeRecord.
func (lf *loupeFields) record(id string, texts []review.Text) (*LoupeRecord, error) {
	lr := &LoupeRecord{Track: lf.Track, Model: lf.Model, Scores: review.NoScores}
	switch lf.Kind {
	case "", "sample":
		lr.Kind = review.Sample
	case "generation":
		lr.Kind = review.Generation
	default:
		return nil, fmt.Errorf(`field "kind": %q is neither sample nor generation`, lf.Kind)
	}
	if lr.Kind == review.Generation {
		if err := lf.generation(lr, id, texts); err != nil {
			return nil, err
		}
	}
	if lf.Captions != nil {
		lr.HasCaptions = true
		for _, c := range *lf.Captions {
			k := slices.Index(review.CaptionKinds[:], c)
			if k < 0 {
				return nil, fmt.Errorf("captions_present: %q is not a caption kind", c)
			}
			lr.Captions |= 1 << k
		}
	}
	// the pipeline's own scores; an older export has them only where they were the final value
	pipeline := lf.Pipeline
	if pipeline == nil {
		for dim, v := range lf.Provenance {
			if v.Source == "pipeline" && restorable(dim, v) {
				if pipeline == nil {
					pipeline = map[string]float64{}
				}
				pipeline[dim] = *v.Value
			}
		}
	}
	for _, dim := range sortedNames(pipeline) {
		v := pipeline[dim]
		if math.IsNaN(v) || v < 0 || v > 10 {
			return nil, fmt.Errorf("pipeline.%s: %v is outside 0-10", dim, v)
		}
		if i := review.PipelineScoreIndex(dim); i >= 0 && v == math.Trunc(v) {
			lr.Scores[i] = int8(v)
			continue
		}
		if !knownDimension(dim) {
			return nil, fmt.Errorf("pipeline.%s: unknown dimension", dim)
		}
		// a value the inline scores cannot hold is a label of the pipeline rater, as a manifest's is
		lr.Labels = append(lr.Labels, review.RecordLabel{Dimension: dim, Rater: "pipeline", RaterKind: "pipeline", Value: &v})
	}
	if lf.Labels != nil {
		for i, l := range *lf.Labels {
			if err := checkRecordLabel(l); err != nil {
				return nil, fmt.Errorf("labels[%d]: %v", i, err)
			}
			lr.Labels = append(lr.Labels, l)
		}
	} else {
		for _, dim := range sortedNames(lf.Provenance) {
			v := lf.Provenance[dim]
			if v.Source != "judge" || !restorable(dim, v) {
				continue
			}
			l := review.RecordLabel{Dimension: dim, Rater: v.Who, RaterKind: "judge", RaterModel: v.Who, RubricSet: "imported",
				Value: v.Value, RubricHash: v.Rubric, When: v.When}
			if err := checkRecordLabel(l); err != nil {
				return nil, fmt.Errorf("provenance.%s: %v", dim, err)
			}
			lr.Labels = append(lr.Labels, l)
		}
	}
	if lf.History != nil && lf.History.Log != nil {
		for i, e := range *lf.History.Log {
			if err := checkRecordEvent(e, i+1); err != nil {
				return nil, fmt.Errorf("history.log[%d]: %v", i, err)
			}
			lr.Log = append(lr.Log, e)
		}
	} else if err := lf.oldHistory(lr); err != nil {
		return nil, err
	}
	return lr, nil
}

// generation checks a generation's track, model and prompt. An older export named no prompt_ref: its
// PRISM-Bench ids end in the prompt's index.
func (lf *loupeFields) generation(lr *LoupeRecord, id string, texts []review.Text) error {
	if strings.TrimSpace(lf.Track) == "" || strings.TrimSpace(lf.Model) == "" {
		return fmt.Errorf("a generation needs a track and a model")
	}
	p := lf.Prompt
	if p == nil {
		// A PRISM-Bench id ends in the prompt's index; any other prompt gets the next free index of
		// the "imported" suite (Index -1).
		p = &review.PromptRef{Suite: "imported", Index: -1}
		if idx, err := strconv.Atoi(path.Base(id)); err == nil && idx >= 0 && strings.HasPrefix(id, "prism-") {
			p = &review.PromptRef{Suite: "prism", Index: idx}
		}
		for _, t := range texts {
			if t.Kind == "prompt" && (p.Lang == "" || t.Lang == "en") {
				p.Lang = t.Lang
			}
		}
		if p.Lang == "" {
			return fmt.Errorf("a generation needs its prompt (texts.prompt)")
		}
	} else if p.Index < 0 {
		return fmt.Errorf(`field "prompt_ref": index %d is negative`, p.Index)
	}
	if strings.TrimSpace(p.Suite) == "" || (p.Lang != "en" && p.Lang != "zh") {
		return fmt.Errorf(`field "prompt_ref": want a suite and lang en or zh`)
	}
	if !slices.ContainsFunc(texts, func(t review.Text) bool { return t.Kind == "prompt" && t.Lang == p.Lang }) {
		return fmt.Errorf("a generation needs its prompt: texts.prompt.%s", p.Lang)
	}
	lr.Prompt = p
	return nil
}

// oldHistory rebuilds what an older export says of the people: each human final value as that person's
// value, and the decision as the decided_by annotators' decisions.
func (lf *loupeFields) oldHistory(lr *LoupeRecord) error {
	type ev struct {
		e   review.RecordEvent
		key string
	}
	var evs []ev
	for _, dim := range sortedNames(lf.Provenance) {
		v := lf.Provenance[dim]
		if v.Source != "human" || !restorable(dim, v) || strings.TrimSpace(v.Who) == "" {
			continue
		}
		evs = append(evs, ev{review.RecordEvent{Annotator: v.Who, Kind: "set", Dimension: dim, Value: v.Value, At: v.When}, v.When})
	}
	if val, ok := map[string]float64{"accepted": 1, "rejected": 0}[lf.Decision]; ok && lf.DecidedBy != "" {
		at := ""
		if lf.History != nil {
			at = lf.History.Last
		}
		for _, who := range strings.Split(lf.DecidedBy, ",") {
			v := val
			evs = append(evs, ev{review.RecordEvent{Annotator: who, Kind: "set", Dimension: review.DecisionDimension, Value: &v,
				ValueText: map[float64]string{1: "accept", 0: "reject"}[val], At: at}, at})
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].key < evs[j].key })
	for i, e := range evs {
		e.e.Seq = i + 1
		if err := checkRecordEvent(e.e, i+1); err != nil {
			return fmt.Errorf("provenance: %v", err)
		}
		lr.Log = append(lr.Log, e.e)
	}
	return nil
}

// restorable reports whether an older export's final value can be given back to its rater: a known
// dimension, a value within its scale. Such an export kept values no rater can hold (outside 0-10) in
// its provenance only; they are left out, the item is not.
func restorable(dim string, v loupeValue) bool {
	return v.Value != nil && knownDimension(dim) && checkScaleValue(dim, *v.Value) == nil
}

// checkRecordLabel checks a machine label: a known dimension, a machine rater, a value within the scale.
func checkRecordLabel(l review.RecordLabel) error {
	if !knownDimension(l.Dimension) {
		return fmt.Errorf("unknown dimension %q", l.Dimension)
	}
	if strings.TrimSpace(l.Rater) == "" {
		return fmt.Errorf("no rater")
	}
	if !slices.Contains(review.MachineRaterKinds, l.RaterKind) {
		return fmt.Errorf("rater kind %q: want one of %s (people's values are history events)", l.RaterKind, strings.Join(review.MachineRaterKinds, ", "))
	}
	if l.Sample < 0 {
		return fmt.Errorf("sample %d is negative", l.Sample)
	}
	if l.Value != nil {
		if err := checkScaleValue(l.Dimension, *l.Value); err != nil {
			return err
		}
	}
	return checkRFC3339(l.When)
}

// checkRecordEvent checks one event of a history: numbered in order, of a known kind, by someone, replacing
// only an earlier event.
func checkRecordEvent(e review.RecordEvent, seq int) error {
	if e.Seq != seq {
		return fmt.Errorf("seq %d, want %d (events in order, numbered from 1)", e.Seq, seq)
	}
	if !slices.Contains(review.RecordEventKinds, e.Kind) {
		return fmt.Errorf("kind %q: want one of %s", e.Kind, strings.Join(review.RecordEventKinds, ", "))
	}
	if strings.TrimSpace(e.Annotator) == "" {
		return fmt.Errorf("no annotator")
	}
	if e.Dimension != "" && !knownDimension(e.Dimension) {
		return fmt.Errorf("unknown dimension %q", e.Dimension)
	}
	if (e.Kind == "set" || e.Kind == "revised_after_reveal" || e.Kind == "final") && (e.Dimension == "" || e.Value == nil) {
		return fmt.Errorf("a %s event needs a dimension and a value", e.Kind)
	}
	if e.Value != nil {
		if err := checkScaleValue(e.Dimension, *e.Value); err != nil {
			return err
		}
	}
	if e.Replaces < 0 || e.Replaces >= seq || (e.Kind == "undo" && e.Replaces == 0) {
		return fmt.Errorf("replaces %d: want an earlier event of the item", e.Replaces)
	}
	return checkRFC3339(e.At)
}

// checkScaleValue checks a value against its dimension's scale: 0-10, decisions 0 or 1.
func checkScaleValue(dim string, v float64) error {
	hi := 10.0
	if dim == review.DecisionDimension {
		hi = 1
	}
	if math.IsNaN(v) || v < 0 || v > hi {
		return fmt.Errorf("value %v is outside %s's scale 0-%g", v, dim, hi)
	}
	return nil
}

// checkRFC3339 checks an RFC 3339 time ("" is unknown).
func checkRFC3339(s string) error {
	if s == "" {
		return nil
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		return fmt.Errorf("time %q is not RFC 3339", s)
	}
	return nil
}

func sortedNames[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
