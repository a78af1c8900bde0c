package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// PairChoice is one person's answer on a pair, as a pairs file records it: the sides as they saw them.
type PairChoice struct {
	Rater  string `json:"rater"`  // "human:<annotator>"
	Choice string `json:"choice"` // left, right, tie, both_bad
	Left   string `json:"left"`   // the picture (item id) on their left
	Right  string `json:"right"`  // the picture on their right
	Chose  string `json:"chose"`  // the item id preferred ("" for tie or both bad)
}

// PairLine is one line of a pairs file: a prompt and two models' pictures of it that people agreed on,
// in the shape preference-tuning tools read (prompt, chosen, rejected), with where each answer came
// from.
type PairLine struct {
	Prompt        string       `json:"prompt"`
	Chosen        string       `json:"chosen"`   // the preferred picture's item id
	Rejected      string       `json:"rejected"` // the other one's
	ChosenModel   string       `json:"chosen_model"`
	RejectedModel string       `json:"rejected_model"`
	ChosenImage   string       `json:"chosen_image,omitempty"` // the picture file, when the picture is one
	RejectedImage string       `json:"rejected_image,omitempty"`
	PromptID      string       `json:"prompt_id"` // suite/lang/track/index
	Track         string       `json:"track"`
	Lang          string       `json:"lang"`
	Dimension     string       `json:"dimension"`
	Queue         string       `json:"queue"`
	Pair          int          `json:"pair"` // position in the queue, from 1
	ShownLeft     string       `json:"shown_left"`
	ShownRight    string       `json:"shown_right"`
	Choices       []PairChoice `json:"choices"`
}

// WritePairs writes a pairs file (JSONL, one PairLine per line) to o.Out, atomically: the file appears
// whole or not at all. An existing file is refused unless o.Force (see Prepare).
func WritePairs(lines []PairLine, o Options) error {
	if err := prepareOne("pairs", o.Out, o); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i := range lines {
		if err := enc.Encode(&lines[i]); err != nil {
			return fmt.Errorf("pair line %d: %w", i+1, err)
		}
	}
	return WriteAtomic(o.Out, buf.Bytes())
}

// ReadPairs reads a pairs file back. A line that is not a pair (bad JSON, or no prompt, chosen or
// rejected) is an error naming its line number.
func ReadPairs(r io.Reader) ([]PairLine, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	var out []PairLine
	for n := 1; sc.Scan(); n++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var l PairLine
		if err := json.Unmarshal(b, &l); err != nil {
			return out, fmt.Errorf("line %d: %w", n, err)
		}
		if l.Prompt == "" || l.Chosen == "" || l.Rejected == "" {
			return out, fmt.Errorf("line %d: a pair needs prompt, chosen and rejected", n)
		}
		out = append(out, l)
	}
	return out, sc.Err()
}
