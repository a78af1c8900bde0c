package judge

import "github.com/loupe-dev/loupe/vlm"

// The offline judges' backend kinds (see OfflineJudge).
const (
	KindOCR   = vlm.KindOCR   // tesseract reads the picture's text
	KindRules = vlm.KindRules // colour, count and position checks
)

// Backend is vlm.Backend under its former name, kept only while workspace/review.go (RerunStep) still
// spells it judge.Backend; new code names vlm.Backend.
type Backend = vlm.Backend
