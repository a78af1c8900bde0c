package review

import (
	"slices"
	"testing"
)

// TestDerivedNameLists pins the lists derived from DimensionSpecs, CaptionKinds and PipelineScores to
// the values they had when they were written out by hand.
func TestDerivedNameLists(t *testing.T) {
	tests := []struct {
		name      string
		got, want []string
	}{
		{"Dimensions", Dimensions, []string{"imagination", "entity", "text", "style", "affection", "composition", "clarity",
			"structure", "original_alignment", "prism_alignment", "prism_aesthetics", "decision"}},
		{"ScoreDimensions", ScoreDimensions, []string{"composition", "entity", "text", "imagination", "style", "affection",
			"clarity", "structure", "original_alignment", "prism_alignment", "prism_aesthetics"}},
		{"ThresholdDimensions", ThresholdDimensions, ScoreDimensions},
		{"TextKinds", TextKinds[:], []string{"composition", "entity", "text", "imaginative", "style", "abstract", "original", "detail", "prompt", "note"}},
		{"Traits", Traits[:], []string{"composition", "entity", "text", "imagination", "style", "affection"}},
		{"TraitTracks", TraitTracks[:], []string{"composition", "entity", "text_rendering", "imagination", "style", "affection"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.got, tt.want) {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	for _, tr := range TraitTracks {
		if !IsTrack(tr) {
			t.Errorf("trait track %q is not a track", tr)
		}
	}
}
