package review

import "encoding/json"

// Rating is one value given to one item on one dimension by one rater - the input of every agreement
// computation. Decisions are the dimension "decision" with 1 (accept) and 0 (reject).
type Rating struct {
	Item      int64
	Dimension string // e.g. "composition", "prism_alignment", "decision"
	Rater     string // "pipeline", a judge's rater name, "human:<annotator>"
	Kind      string // "pipeline", "judge" or "human"
	Value     float64
	Track     string // PRISM-Bench track of a generation ("" for samples)
	Subset    string
	Model     string // the generating model of a generation
	RubricSet string // a judge's rubric version (its set hash); "" for others
}

// PairKind names what a row of an agreement table compares.
type PairKind string

// Pairings.
const (
	JudgeHuman     PairKind = "judge-human"     // a judge vs one annotator
	JudgeConsensus PairKind = "judge-consensus" // a judge vs the annotators' consensus (mean; majority for decisions)
	JudgeJudge     PairKind = "judge-judge"     // two judges on the same items
	PipelineHuman  PairKind = "pipeline-human"  // the dataset's scorer vs one annotator or the consensus
	HumanHuman     PairKind = "human-human"     // two annotators
	AllHumans      PairKind = "all-humans"      // every annotator together (Krippendorff's alpha, Fleiss' kappa)
)

// AgreementRow is one comparison on one dimension within one group, with its figures. When N is below the
// report's minimum the figures are left out and Undefined says so.
type AgreementRow struct {
	Kind      PairKind `json:"kind"`
	A         string   `json:"a"`
	B         string   `json:"b"`
	Dimension string   `json:"dimension"`
	By        string   `json:"by,omitempty"`    // "track", "subset", "annotator", "model"; "" overall
	Group     string   `json:"group,omitempty"` // the group's value
	RubricSet string   `json:"rubric_set,omitempty"`
	N         int      `json:"n"`
	Undefined string   `json:"undefined,omitempty"`
	Stats     []Stat   `json:"stats,omitempty"`
	// Extra are the further figures of the row (no bootstrap CIs): for decisions Cohen's kappa's SE, null
	// SE, z and p, Scott's pi, Brennan-Prediger, PABAK and the prevalence and bias indices (pairs),
	// Randolph's kappa and Gwet's AC1 (all annotators); for scores the quadratic kappa's SE, null SE, z
	// and p, Kendall's tau-c and Gwet's AC2 (pairs), Krippendorff's alpha interval and ratio, Gwet's AC2
	// and weighted Fleiss' kappa (all annotators).
	Extra []Stat `json:"extra,omitempty"`
	// ICC are the six Shrout & Fleiss intraclass correlations with their F tests and F-based CIs
	// (score rows; all annotators: over the items every annotator scored).
	ICC []ICCResult `json:"icc_tests,omitempty"`
}

// CalibrationPoint is the humans' mean score on the items a machine gave one score.
type CalibrationPoint struct {
	Score     float64 `json:"score"`
	HumanMean Stat    `json:"human_mean"`
}

// CalibrationCurve maps a machine rater's scores to the human consensus on one dimension, with its
// systematic bias (machine minus human) overall and per group.
type CalibrationCurve struct {
	Rater     string             `json:"rater"`
	Dimension string             `json:"dimension"`
	Points    []CalibrationPoint `json:"points"`
	Bias      Stat               `json:"bias"`
	BiasBy    map[string]Stat    `json:"bias_by_track,omitempty"`
}

// ThresholdResult is the machine threshold that best reproduces human accept/reject decisions on one
// dimension ("accept when score >= Threshold"), how well it does, and what it would do to the whole
// workspace.
type ThresholdResult struct {
	Rater      string  `json:"rater"`
	Dimension  string  `json:"dimension"`
	Threshold  float64 `json:"threshold"`
	Agreement  Stat    `json:"agreement"`
	Kappa      Stat    `json:"kappa"`
	Precision  Stat    `json:"precision"`
	Recall     Stat    `json:"recall"`
	F1         Stat    `json:"f1"`
	Population int     `json:"population"`        // items of the workspace with a score from this rater
	Rejected   int     `json:"would_be_rejected"` // of which below the threshold
}

// Histogram counts one rater's (or all humans') scores 0-10 on one dimension.
type Histogram struct {
	Rater     string  `json:"rater"`
	Dimension string  `json:"dimension"`
	Counts    [11]int `json:"counts"`
}

// ConfusionEntry is a confusion matrix of two raters on one dimension.
type ConfusionEntry struct {
	A         string          `json:"a"`
	B         string          `json:"b"`
	Dimension string          `json:"dimension"`
	Matrix    ConfusionMatrix `json:"matrix"`
}

// AgreementReport is everything an agreement computation produced.
type AgreementReport struct {
	Items       int                `json:"items"`
	Ratings     int                `json:"ratings"`
	MinItems    int                `json:"min_items"`
	Resamples   int                `json:"resamples"`
	Seed        uint64             `json:"seed"`
	RubricSets  []string           `json:"rubric_sets,omitempty"`
	Rows        []AgreementRow     `json:"rows"`
	Calibration []CalibrationCurve `json:"calibration,omitempty"`
	Thresholds  []ThresholdResult  `json:"thresholds,omitempty"`
	Histograms  []Histogram        `json:"histograms,omitempty"`
	Confusions  []ConfusionEntry   `json:"confusions,omitempty"`
}

// MarshalJSON writes a figure with snake_case keys and a null value when it is undefined.
func (s Stat) MarshalJSON() ([]byte, error) {
	type ci struct {
		Lo                 *float64 `json:"lo"`
		Hi                 *float64 `json:"hi"`
		Level              float64  `json:"level"`
		Resamples          int      `json:"resamples"`
		UndefinedResamples int      `json:"undefined_resamples"`
		Undefined          string   `json:"undefined,omitempty"`
	}
	out := struct {
		Name       string   `json:"name"`
		Value      *float64 `json:"value"`
		N          int      `json:"n"`
		Undefined  string   `json:"undefined,omitempty"`
		Note       string   `json:"note,omitempty"`
		Convention string   `json:"convention,omitempty"`
		CI         *ci      `json:"ci,omitempty"`
	}{Name: s.Name, N: s.N, Undefined: s.Undefined, Note: s.Note, Convention: s.Convention}
	if s.Undefined == "" {
		v := s.Value
		out.Value = &v
	}
	if s.CI != nil {
		c := &ci{Level: s.CI.Level, Resamples: s.CI.Resamples, UndefinedResamples: s.CI.UndefinedResamples, Undefined: s.CI.Undefined}
		if s.CI.Undefined == "" {
			lo, hi := s.CI.Lo, s.CI.Hi
			c.Lo, c.Hi = &lo, &hi
		}
		out.CI = c
	}
	return json.Marshal(out)
}

// MarshalJSON writes the matrix with snake_case keys.
func (m ConfusionMatrix) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Labels    []float64 `json:"labels"`
		Counts    [][]int   `json:"counts"`
		N         int       `json:"n"`
		Undefined string    `json:"undefined,omitempty"`
	}{m.Labels, m.Counts, m.N, m.Undefined})
}

// MarshalJSON writes the test with snake_case keys and null F, p when there is no test.
func (r ICCResult) MarshalJSON() ([]byte, error) {
	out := struct {
		ICC           Stat     `json:"icc"`
		F             *float64 `json:"f"`
		DF1           float64  `json:"df1"`
		DF2           float64  `json:"df2"`
		P             *float64 `json:"p"`
		TestUndefined string   `json:"test_undefined,omitempty"`
	}{ICC: r.ICC, DF1: r.DF1, DF2: r.DF2, TestUndefined: r.TestUndefined}
	if r.TestUndefined == "" {
		f, p := r.F, r.P
		out.F, out.P = &f, &p
	}
	return json.Marshal(out)
}
