package ingest

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/internal/fuzzcheck"
)

// FuzzLabelReader feeds label files (loupe import labels) to the reader: format detection by name and
// content, the JSONL and CSV/TSV readers, and the checks a row passes before the database sees it. No
// panic, no hang, bounded memory; every row read has a line number and either fields or a problem;
// every value that passes is within its dimension's scale.
func FuzzLabelReader(f *testing.F) {
	for _, s := range []string{
		`{"item": "text-00000001", "dimension": "composition", "source": "human", "annotator": "alice", "value": 7, "note": "nice", "time": "2025-03-01T12:00:00Z"}
{"item": "text-00000001", "dimension": "decision", "source": "human", "annotator": "bob", "value": "accept"}
{"item": "prism-en/model-a/text_rendering/3", "dimension": "prism_alignment", "source": "judge:gpt-4.1", "value": 8.5}

{"item": "text-00000001", "dimension": "style", "source": "Truth", "value": 5}
{not json
{"item": "text-00000001", "dimension": "style", "value": [5]}`,
		"Value,Item,Dimension,Source,Annotator,Note,extra\n6,text-00000001,clarity,human,dana,\"sharp, mostly\nbut noisy\",x\n" +
			"yes,#12,decision,human,dana,,x\n4.5,brand-new/item/1,style,pipeline-v2,,,x\n9,text-00000001,style\n",
		"item\tdimension\tsource\tvalue\ntext-00000001\tstyle\tjudge-x\t4\n",
		"\ufeffitem;dimension;source;value\na;style;judge-x;NaN\n\"unterminated;x\n",
		"item,dimension,annotator\ntext-00000001,style,x\n",
		"\x00\x01garbage\n",
		`[{"item": "text-00000001"}]`,
	} {
		for _, name := range []uint8{0, 1, 2, 3} {
			f.Add([]byte(s), name)
		}
	}
	dims := map[string]dimInfo{
		"decision":        {name: "decision", decision: true, min: 0, max: 1},
		"style":           {name: "style", min: 0, max: 10},
		"clarity":         {name: "clarity", min: 0, max: 10},
		"composition":     {name: "composition", min: 0, max: 10},
		"prism_alignment": {name: "prism_alignment", min: 0, max: 10},
	}
	names := []string{"labels.jsonl", "labels.csv", "labels.tsv", "labels.txt"}
	f.Fuzz(func(t *testing.T, data []byte, name uint8) {
		path := names[int(name)%len(names)]
		fuzzcheck.Check(t, len(data), func() {
			data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
			format, comma, err := detectLabels(path, data)
			if err != nil {
				if !strings.Contains(err.Error(), path) {
					t.Errorf("error without the file name: %v", err)
				}
				return
			}
			imp := &labelImport{r: &LabelReport{File: path}, dims: dims}
			rows, last := 0, 0
			each := func(row labelRow) error {
				rows++
				if row.line < 1 || row.line < last {
					t.Errorf("row %d on line %d after line %d", rows, row.line, last)
				}
				last = row.line
				if row.bad != nil {
					return nil
				}
				if c, ok := imp.check(row); ok {
					if math.IsNaN(c.value) || c.value < c.dim.min || c.value > c.dim.max || c.item == "" {
						t.Errorf("row %+v passed as %+v", row, c)
					}
				}
				return nil
			}
			if format == LabelsJSONL {
				err = readLabelsJSONL(path, data, each)
			} else {
				err = readLabelsCSV(path, data, comma, each)
			}
			if rows > bytes.Count(data, []byte("\n"))+1 {
				t.Errorf("%d rows from %d lines", rows, bytes.Count(data, []byte("\n"))+1)
			}
			_ = err
		})
	})
}
