package ingest

import (
	"bytes"
	"unicode/utf8"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/judge"
	"github.com/loupe-dev/loupe/review"
)

// readVerdictFile reads one official output file (<root>/{alignment|aesthetic}/<track>/<i>.jsonl: one
// pretty-printed JSON object despite the extension).
func readVerdictFile(path string) (review.Verdict, error) {
	b, err := dataset.ReadRegular(path)
	if err != nil {
		return review.Verdict{}, err
	}
	if !utf8.Valid(b) {
		return review.Verdict{Raw: string(bytes.ToValidUTF8(b, []byte("?"))), Error: "not UTF-8 text"}, nil
	}
	return judge.ParseVerdict(string(b)), nil
}
