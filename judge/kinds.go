package judge

import "github.com/loupe-dev/loupe/vlm"

// The offline judges' backend kinds (see OfflineJudge).
const (
	KindOCR   = vlm.KindOCR   // tesseract reads the picture's text
	KindRules = vlm.KindRules // colour, count and position checks
)
