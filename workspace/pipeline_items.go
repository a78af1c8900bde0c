package workspace

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/loupe-dev/loupe/ingest"
)

// ReadPromptFile reads a prompt file: JSONL with "prompt" fields, or one prompt a line.
func ReadPromptFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "{") {
			var v struct {
				Prompt string `json:"prompt"`
			}
			if err := json.Unmarshal([]byte(line), &v); err != nil || strings.TrimSpace(v.Prompt) == "" {
				return nil, fmt.Errorf("%s:%d: want a JSON object with a \"prompt\" string", path, n)
			}
			line = strings.TrimSpace(v.Prompt)
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no prompts", path)
	}
	return out, nil
}

// SnapshotThresholds reads the calibrated pipeline thresholds of a stats snapshot into th.
func (w *Workspace) SnapshotThresholds(ctx context.Context, snapshot int64, th *Thresholds) error {
	ts, err := w.st.SnapshotThresholds(ctx, snapshot, "pipeline")
	if err != nil {
		return err
	}
	found := 0
	for dim, p := range map[string]*float64{"clarity": &th.Clarity, "structure": &th.Structure, "original_alignment": &th.Original} {
		if t, ok := ts[dim]; ok {
			*p = t
			found++
		}
	}
	if found == 0 {
		return fmt.Errorf("snapshot %d has no pipeline thresholds for clarity, structure or original_alignment", snapshot)
	}
	return nil
}

// PipelineItems are the items a pipeline run works on: a queue's, and the pictures of a folder
// (imported first; a folder without pictures is an error).
func (w *Workspace) PipelineItems(ctx context.Context, queue, images string) ([]int64, error) {
	var out []int64
	if queue != "" {
		ts, err := w.st.JudgeTargets(ctx, queue, nil)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			out = append(out, t.ItemID)
		}
	}
	if images != "" {
		abs, err := filepath.Abs(images)
		if err != nil {
			return nil, err
		}
		if _, err := ingest.Import(ctx, w.st, []string{abs}, ingest.Options{}); err != nil {
			return nil, err
		}
		ids, err := w.st.ItemsBySource(ctx, abs)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
		if len(out) == 0 {
			return nil, fmt.Errorf("%s: no images imported", images)
		}
	}
	return out, nil
}
