package ingest

import (
	"bytes"
	"unicode/utf8"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/judge"
)

// readVerdictFile reads one official output file (<root>/{alignment|aesthetic}/<track>/<i>.jsonl: one
// pretty-printed JSON object despite the extension).
func readVerdictFile(path string) (judge.ParsedVerdict, error) {
	b, err := dataset.ReadRegular(path)
	if err != nil {
		return judge.ParsedVerdict{}, err
	}
	if !utf8.Valid(b) {
		return judge.ParsedVerdict{Raw: string(bytes.ToValidUTF8(b, []byte("?"))), Err: "not UTF-8 text"}, nil
	}
	return judge.ParseVerdict(string(b)), nil
}
