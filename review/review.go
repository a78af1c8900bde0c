// Package review holds loupe's domain types - items, texts, labels, human events, queues - and the pure
// algorithms over them (sampling). It imports nothing else from this module.
package review

import (
	"fmt"
	"slices"
)

// ItemKind says what an item is.
type ItemKind int

// Item kinds.
const (
	Sample     ItemKind = 1 // a dataset row (FLUX-Reason-6M or a manifest line)
	Generation ItemKind = 2 // a benchmark generation: prompt x model -> image
)

func (k ItemKind) String() string {
	switch k {
	case Sample:
		return "sample"
	case Generation:
		return "generation"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// CaptionKinds are the FLUX-Reason-6M caption kinds in column order; text kind ids 1-8 in the workspace.
var CaptionKinds = [8]string{"composition", "entity", "text", "imaginative", "style", "abstract", "original", "detail"}

// TextKinds are every text kind the workspace knows, id = index+1 (the text_kinds rows of the first
// migration): the caption kinds, then the prompt and a note.
var TextKinds = [10]string(append(CaptionKinds[:], "prompt", "note"))

// TextKindID returns the workspace id of a text kind, or 0 if unknown.
func TextKindID(name string) int {
	for i, k := range TextKinds {
		if k == name {
			return i + 1
		}
	}
	return 0
}

// PipelineScores names the nine integer scores every FLUX-Reason-6M row carries, in the dataset's column
// order (score_<Column>), with the workspace dimension each one is.
var PipelineScores = [9]struct{ Column, Dimension string }{
	{"composition", "composition"},
	{"entity", "entity"},
	{"text", "text"},
	{"imaginative", "imagination"},
	{"style", "style"},
	{"abstract", "affection"},
	{"original", "original_alignment"},
	{"image_clarity", "clarity"},
	{"image_structure", "structure"},
}

// PipelineScoreIndex returns the index into PipelineScores of a dimension or dataset column name, or -1.
func PipelineScoreIndex(name string) int {
	for i, p := range PipelineScores {
		if p.Column == name || p.Dimension == name {
			return i
		}
	}
	return -1
}

// DimensionSpec describes a label dimension as the workspace is created with it.
type DimensionSpec struct {
	Name     string
	Kind     string  // "score" or "decision"
	Min, Max float64 // the scale
	Title    string
	// Categories are a declared categorical dimension's names in order (values are their indexes);
	// nil for numeric scales and decisions
	Categories []string
}

// DimensionSpecs are the label dimensions the workspace is created with, in the order of the
// dimensions rows of the first migration (id = index+1; a store test holds the two together). The
// store looks ids up by name: nothing else depends on this order.
var DimensionSpecs = [12]DimensionSpec{
	{"imagination", "score", 0, 10, "Imagination", nil},
	{"entity", "score", 0, 10, "Entity", nil},
	{"text", "score", 0, 10, "Text rendering", nil},
	{"style", "score", 0, 10, "Style", nil},
	{"affection", "score", 0, 10, "Affection", nil},
	{"composition", "score", 0, 10, "Composition", nil},
	{"clarity", "score", 0, 10, "Image clarity", nil},
	{"structure", "score", 0, 10, "Image structure", nil},
	{"original_alignment", "score", 0, 10, "Original-caption alignment", nil},
	{"prism_alignment", "score", 0, 10, "PRISM-Bench alignment", nil},
	{"prism_aesthetics", "score", 0, 10, "PRISM-Bench aesthetics", nil},
	{DecisionDimension, "decision", 0, 1, "Accept / reject", nil},
}

// Dimensions are the names of DimensionSpecs, in that order.
var Dimensions = dimensionNames()

func dimensionNames() []string {
	names := make([]string, len(DimensionSpecs))
	for i, d := range DimensionSpecs {
		names[i] = d.Name
	}
	return names
}

// ScoreDimensions are the score dimensions in review order: the six traits, then the other score
// dimensions in DimensionSpecs order (clarity, structure, original_alignment, prism_alignment,
// prism_aesthetics).
var ScoreDimensions = scoreDimensions()

func scoreDimensions() []string {
	ds := append([]string(nil), Traits[:]...)
	for _, d := range DimensionSpecs {
		if d.Kind == "score" && !slices.Contains(Traits[:], d.Name) {
			ds = append(ds, d.Name)
		}
	}
	return ds
}

// Tracks are the PRISM-Bench track keys in official order.
var Tracks = [7]string{"imagination", "entity", "text_rendering", "style", "affection", "composition", "long_text"}

// IsTrack reports whether s is a PRISM-Bench track key.
func IsTrack(s string) bool {
	for _, t := range Tracks {
		if t == s {
			return true
		}
	}
	return false
}

// NoScore marks a missing pipeline score.
const NoScore int8 = -1

// Scores holds the nine pipeline scores of an item (NoScore where missing).
type Scores [9]int8

// NoScores is a Scores value with every score missing.
var NoScores = Scores{-1, -1, -1, -1, -1, -1, -1, -1, -1}

// Text is one text of an item in one language.
type Text struct {
	Kind string `json:"kind"`
	Lang string `json:"lang"`
	Body string `json:"body"`
}

// Label is one value on one dimension of one item by one rater.
type Label struct {
	Dimension     string   `json:"dimension"`
	Rater         string   `json:"rater"`
	RaterKind     string   `json:"rater_kind"`
	Value         *float64 `json:"value"`
	ValueText     string   `json:"value_text,omitempty"`
	Justification string   `json:"justification,omitempty"`
	Raw           string   `json:"raw,omitempty"`
	Sample        int      `json:"sample,omitempty"`
	Error         string   `json:"error,omitempty"`       // why a machine verdict failed (Value is nil)
	RubricHash    string   `json:"rubric_hash,omitempty"` // the rubric text a judge verdict was made with
	Parse         string   `json:"parse,omitempty"`       // "extract": the score was taken out of prose (--parse extract)
}

// Event is one entry of the append-only human history.
type Event struct {
	ID        int64    `json:"id"`
	Annotator string   `json:"annotator"`
	Kind      string   `json:"kind"`
	Dimension string   `json:"dimension,omitempty"`
	Value     *float64 `json:"value,omitempty"`
	ValueText string   `json:"value_text,omitempty"`
	Replaces  int64    `json:"replaces,omitempty"`
	Reason    string   `json:"reason,omitempty"`
	At        string   `json:"at"`
}

// ImageRef says where an item's image lives: a file, or a row of a Parquet shard.
type ImageRef struct {
	Path  string `json:"path,omitempty"`  // image file
	Shard string `json:"shard,omitempty"` // Parquet shard
	Row   int64  `json:"row"`             // row within the shard

	// What the import recorded, so that a read can tell the file changed since (zero values: nothing
	// recorded, e.g. a workspace from an older loupe). Readers refuse a changed source rather than hand
	// out another row's or another file's content.
	ID    string `json:"-"` // shard: the id the row must hold (the item's external id)
	Size  int64  `json:"-"` // shard or file: size in bytes
	MTime int64  `json:"-"` // shard: modification time, Unix nanoseconds
	Hash  string `json:"-"` // file: SHA-256 of its bytes, hex (first 16 bytes)
	Root  string `json:"-"` // file: the folder it must resolve inside ("" when the import allowed outside)
}

// Item is one reviewable thing with everything known about it.
type Item struct {
	ID       int64    `json:"id"`
	ExtID    string   `json:"ext_id"`
	Kind     string   `json:"kind"`
	Subset   string   `json:"subset,omitempty"`
	Image    ImageRef `json:"image"`
	Captions []string `json:"captions_present,omitempty"` // caption kinds present in the source
	Track    string   `json:"track,omitempty"`
	Model    string   `json:"model,omitempty"`
	Prompt   int      `json:"prompt_index,omitempty"`
	Texts    []Text   `json:"texts"`
	Labels   []Label  `json:"labels"`
	Events   []Event  `json:"events"`
	Queues   []string `json:"queues,omitempty"`
}

// IndexedRow is what indexing keeps of one dataset row: its id, where it is, which captions it has
// (bit k = CaptionKinds[k] present) and its pipeline scores.
type IndexedRow struct {
	ExtID    string
	Row      int64
	Captions uint16
	Scores   Scores
	Packed   int64 // Pack(Captions, Scores) when the reader filled it in (0: not yet)
}

// Traits are the six trait dimensions in the order of the dataset's first six score columns; TraitTracks
// are the matching PRISM-Bench tracks.
var Traits, TraitTracks = traits()

// traits reads the traits off PipelineScores; each trait's track has the trait's name, but for text,
// whose track is text_rendering.
func traits() (names, tracks [6]string) {
	for i := range names {
		names[i] = PipelineScores[i].Dimension
		tracks[i] = names[i]
		if !IsTrack(names[i]) {
			tracks[i] = names[i] + "_rendering"
		}
	}
	return names, tracks
}

// DominantTrait returns the index (into Traits) of the highest of the six trait scores, the first on
// ties, or -1 when all six are missing.
func DominantTrait(s Scores) int {
	best, at := int8(-1), -1
	for i := range 6 {
		if s[i] > best {
			best, at = s[i], i
		}
	}
	return at
}

// Pack packs caption flags (bits 0-15), the nine pipeline scores (4 bits each from bit 16, 15 = missing)
// and the dominant trait (bits 52-55, 15 = none) into the one integer the workspace stores per item.
func Pack(captions uint16, scores Scores) int64 {
	p := int64(captions)
	for i, v := range scores {
		x := int64(15)
		if v >= 0 && v <= 10 {
			x = int64(v)
		}
		p |= x << (16 + 4*i)
	}
	t := int64(15)
	if d := DominantTrait(scores); d >= 0 {
		t = int64(d)
	}
	return p | t<<52
}

// Unpack is the inverse of Pack for the caption flags and scores.
func Unpack(p int64) (uint16, Scores) {
	var s Scores
	for i := range s {
		v := int8((p >> (16 + 4*i)) & 15)
		if v > 10 {
			v = NoScore
		}
		s[i] = v
	}
	return uint16(p & 0xffff), s
}
