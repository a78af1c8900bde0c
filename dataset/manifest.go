package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/loupe-dev/loupe/review"
)

// ManifestItem is one line of a generic JSONL manifest, decoded and checked.
type ManifestItem struct {
	Line     int
	ID       string
	Image    string // as written: absolute, or relative to the manifest's folder
	Subset   string
	Texts    []review.Text
	Scores   review.Scores      // pipeline dimensions with integer values
	Other    map[string]float64 // other dimensions (or non-integer values), stored as labels
	Captions uint16
	// set by the importer once it has checked the picture: its size and hash, and whether it lies
	// outside the manifest's folder (allowed by the user)
	File    PictureFile
	Outside bool
	// Loupe is what a line written by `loupe export` says beyond a manifest item (nil for a plain
	// manifest line): its kind and generation, the pipeline's own scores, machine labels and history.
	Loupe *LoupeRecord
}

// A manifest line looks like
//
//	{"id": "a1", "image": "imgs/a1.png", "subset": "mine",
//	 "texts": {"detail": {"en": "...", "zh": "..."}, "prompt": "..."},
//	 "scores": {"text": 7, "clarity": 9, "prism_alignment": 8.5}}
//
// FLUX-Reason-6M's flat column names are accepted too: caption_<kind>, caption_<kind>_cn, score_<name>.
type manifestLine struct {
	ID     json.RawMessage            `json:"id"`
	Image  json.RawMessage            `json:"image"`
	Subset string                     `json:"subset"`
	Texts  map[string]json.RawMessage `json:"texts"`
	Scores map[string]json.RawMessage `json:"scores"`
}

// ReadManifest reads a JSONL manifest. Lines that are not valid items are reported as Problems naming
// the line and field, and skipped; the rest are returned.
func ReadManifest(path string) ([]ManifestItem, []Problem, error) {
	var out []ManifestItem
	var probs []Problem
	seen := map[string]int{}
	err := scanLines(path, func(n int, line []byte) error {
		if len(bytes.TrimSpace(line)) == 0 {
			return nil
		}
		it, err := parseManifestLine(line)
		where := fmt.Sprintf("line %d", n)
		if err != nil {
			probs = append(probs, Problem{path, where, err.Error()})
			return nil
		}
		if prev, dup := seen[it.ID]; dup {
			probs = append(probs, Problem{path, where, fmt.Sprintf("duplicate id %q (first on line %d)", it.ID, prev)})
			return nil
		}
		seen[it.ID] = n
		it.Line = n
		out = append(out, it)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, probs, nil
}

func parseManifestLine(line []byte) (ManifestItem, error) {
	var it ManifestItem
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(line, &raw); err != nil {
		return it, fmt.Errorf("invalid JSON: %s", jsonErr(err))
	}
	var ml manifestLine
	if err := json.Unmarshal(line, &ml); err != nil {
		return it, fmt.Errorf("invalid item: %s", jsonErr(err))
	}
	if len(ml.ID) > 0 && ml.ID[0] != '"' && string(ml.ID) != "null" {
		return it, fmt.Errorf(`field "id": want a string, got %s`, ml.ID)
	}
	if err := jsonString(ml.ID, &it.ID); err != nil || strings.TrimSpace(it.ID) == "" {
		return it, fmt.Errorf(`field "id": missing or empty`)
	}
	if err := jsonString(ml.Image, &it.Image); err != nil {
		return it, fmt.Errorf(`field "image": want a file path string`)
	}
	if it.Image == "" {
		var obj struct {
			Path string `json:"path"`
		}
		if json.Unmarshal(ml.Image, &obj) == nil && obj.Path != "" {
			it.Image = obj.Path
		} else {
			return it, fmt.Errorf(`field "image": missing image path`)
		}
	}
	it.Subset = ml.Subset
	it.Scores = review.NoScores
	texts := ml.Texts
	if texts == nil {
		texts = map[string]json.RawMessage{}
	}
	scores := ml.Scores
	if scores == nil {
		scores = map[string]json.RawMessage{}
	}
	for k, v := range raw { // flat FLUX-Reason-6M column names
		switch {
		case strings.HasPrefix(k, "caption_") && strings.HasSuffix(k, "_cn"):
			texts[strings.TrimSuffix(strings.TrimPrefix(k, "caption_"), "_cn")+"#zh"] = v
		case strings.HasPrefix(k, "caption_"):
			texts[strings.TrimPrefix(k, "caption_")] = v
		case strings.HasPrefix(k, "score_"):
			scores[strings.TrimPrefix(k, "score_")] = v
		}
	}
	keys := make([]string, 0, len(texts))
	for k := range texts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := texts[k]
		kind, lang, _ := strings.Cut(k, "#")
		if kind == "caption" {
			kind = "detail"
		}
		if review.TextKindID(kind) == 0 {
			return it, fmt.Errorf("texts: unknown text kind %q (want one of %s)", kind, strings.Join(review.TextKinds[:], ", "))
		}
		if string(v) == "null" {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			if lang == "" {
				lang = "en"
			}
			if s != "" {
				it.Texts = append(it.Texts, review.Text{Kind: kind, Lang: lang, Body: s})
			}
			continue
		}
		var m map[string]*string
		if err := json.Unmarshal(v, &m); err != nil {
			return it, fmt.Errorf("texts.%s: want a string or {\"en\": ..., \"zh\": ...}", kind)
		}
		for _, l := range []string{"en", "zh"} {
			if s := m[l]; s != nil && *s != "" {
				it.Texts = append(it.Texts, review.Text{Kind: kind, Lang: l, Body: *s})
			}
		}
		for l := range m {
			if l != "en" && l != "zh" {
				return it, fmt.Errorf("texts.%s: unknown language %q (want en or zh)", kind, l)
			}
		}
	}
	for _, t := range it.Texts {
		if id := review.TextKindID(t.Kind); id >= 1 && id <= 8 {
			it.Captions |= 1 << (id - 1)
		}
	}
	skeys := make([]string, 0, len(scores))
	for k := range scores {
		skeys = append(skeys, k)
	}
	sort.Strings(skeys)
	for _, k := range skeys {
		v := scores[k]
		if string(v) == "null" {
			continue
		}
		var f float64
		if len(v) == 0 || v[0] == '"' || json.Unmarshal(v, &f) != nil {
			return it, fmt.Errorf("scores.%s: %s is not a number", k, v)
		}
		if math.IsNaN(f) || f < 0 || f > 10 {
			return it, fmt.Errorf("scores.%s: %v is outside 0-10", k, f)
		}
		if i := review.PipelineScoreIndex(k); i >= 0 && f == math.Trunc(f) {
			it.Scores[i] = int8(f)
			continue
		}
		dim := k
		if i := review.PipelineScoreIndex(k); i >= 0 {
			dim = review.PipelineScores[i].Dimension
		}
		if !knownDimension(dim) {
			return it, fmt.Errorf("scores.%s: unknown dimension (want one of %s)", k, strings.Join(review.Dimensions, ", "))
		}
		if it.Other == nil {
			it.Other = map[string]float64{}
		}
		it.Other[dim] = f
	}
	lr, err := parseLoupeLine(raw, line, it.ID, it.Texts)
	if err != nil {
		return it, err
	}
	if lr != nil {
		// An export's "scores" repeat its final values (a person's, a judge's): where each came from is
		// in the record, which gives the pipeline's scores and every label back to their own raters.
		it.Loupe, it.Scores, it.Other = lr, lr.Scores, nil
		if lr.HasCaptions {
			it.Captions = lr.Captions
		}
	}
	return it, nil
}

func knownDimension(name string) bool {
	for _, d := range review.Dimensions {
		if d == name {
			return true
		}
	}
	return false
}

func jsonString(raw json.RawMessage, dst *string) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '"' {
		if raw[0] == '{' {
			return nil
		}
		return fmt.Errorf("not a string")
	}
	return json.Unmarshal(raw, dst)
}
