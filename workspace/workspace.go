// Package workspace is the layer between the domain packages (store, dataset, judge, export, pipeline)
// and the front ends (the CLI and the review screen): it owns every use case. An item's content (its
// texts and picture bytes, read with the integrity checks of package dataset), judge runs (one run
// sequence for a selection and for one item), exports, pipeline runs, agreement statistics and the
// review session's decisions all live here, once, so a front end only parses its input, makes one
// call and shows the result.
package workspace

import (
	"context"

	"github.com/loupe-dev/loupe/ingest"
	"github.com/loupe-dev/loupe/store"
)

// Workspace is an open workspace's use cases. It is safe for concurrent use by multiple goroutines as
// far as its store is.
type Workspace struct {
	st *store.Store
}

// New returns the use cases of an open store.
func New(st *store.Store) *Workspace { return &Workspace{st: st} }

// Store returns the workspace's store.
func (w *Workspace) Store() *store.Store { return w.st }

// Import adds the datasets, folders and files at paths to the workspace (ingest.Import: resumable,
// every problem reported).
func (w *Workspace) Import(ctx context.Context, paths []string, o ingest.Options) (*ingest.Report, error) {
	return ingest.Import(ctx, w.st, paths, o)
}

// ImportLabels adds ratings from a labels file (ingest.ImportLabels).
func (w *Workspace) ImportLabels(ctx context.Context, path string, o ingest.LabelOptions) (*ingest.LabelReport, error) {
	return ingest.ImportLabels(ctx, w.st, path, o)
}
