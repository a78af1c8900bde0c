package workspace

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/loupe-dev/loupe/export"
	"github.com/loupe-dev/loupe/generate"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/vlm"
)

// RerunStep reruns one pipeline step on one item (its model answer asked again, its outputs replaced)
// with the backend and generator, and describes the result; a failed request is the error.
func (w *Workspace) RerunStep(ctx context.Context, itemID int64, step string, b *vlm.Backend, gen generate.Generator, genName string) (string, error) {
	sum, err := w.RunPipeline(ctx, PipelineOptions{Steps: []string{step}, Backend: b, Generator: gen, GenName: genName,
		Items: []int64{itemID}, Seed: 1, Width: 512, Height: 512, Thresholds: DefaultThresholds, Force: true})
	if err != nil {
		return "", err
	}
	s := sum.Steps[0]
	if s.Failed > 0 {
		return "", errors.New(s.LastError)
	}
	return fmt.Sprintf("done (%s, kept %d, dropped %d)", review.Plural(s.Requests, "request"), s.Kept, s.Dropped), nil
}

// ExportView exports exactly a review screen's view - its queue and filter (in the / prompt's syntax),
// read as the screen reads them - as format to path, and describes what it wrote.
func (w *Workspace) ExportView(ctx context.Context, queue, filter, format, path string) (string, error) {
	f, err := review.ParseFilter(filter)
	if err != nil {
		return "", err
	}
	f.Queue = queue
	sum, err := Export(ctx, w.st, f, format, export.Options{Out: path, Card: export.Card{Title: "loupe export of queue " + queue,
		Workspace: w.st.Path, Created: time.Now().UTC().Format(time.RFC3339)}}, false, nil)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("exported %s as %s to %s", review.Plural(sum.Records, "item"), format, path), nil
}
