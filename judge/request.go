package judge

import (
	"fmt"

	"github.com/loupe-dev/loupe/vlm"
)

// verdictSchema is the JSON schema of a verdict: justification first, so the model reasons before it
// scores; integers 0-10 as an enum, which OpenAI strict mode, xgrammar and llama.cpp all enforce.
var verdictSchema = vlm.Schema{Name: "verdict", Schema: map[string]any{
	"type": "object",
	"properties": map[string]any{
		"justification": map[string]any{"type": "string"},
		"score":         map[string]any{"type": "integer", "enum": []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
	},
	"required":             []string{"justification", "score"},
	"additionalProperties": false,
}}

// Build prepares a task's request (image encoding, rubric filling) for backend b without sending it.
func Build(b *vlm.Backend, t *Task) (vlm.Prepared, error) {
	text, err := t.Rubric.Fill(t.Prompt)
	if err != nil {
		return vlm.Prepared{}, err
	}
	img, err := t.Image()
	if err != nil {
		return vlm.Prepared{}, fmt.Errorf("item %d: image: %w", t.ItemID, err)
	}
	pic, err := b.PreparePicture(img)
	if err != nil {
		return vlm.Prepared{}, fmt.Errorf("item %d: %w", t.ItemID, err)
	}
	return b.Prepare(text, pic, verdictSchema)
}
