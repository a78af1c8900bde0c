// Package judging is the former home of the judge use cases, now in package workspace; it forwards to
// it for the callers not yet moved (internal/demo, the rubrics command).
//
// Deprecated: use package workspace.
package judging

import (
	"context"

	"github.com/loupe-dev/loupe/judge"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/workspace"
)

// StoredRubrics is workspace.StoredRubrics.
func StoredRubrics(set judge.RubricSet) []store.StoredRubric { return workspace.StoredRubrics(set) }

// Offline is workspace.Workspace.Offline.
func Offline(ctx context.Context, st *store.Store, kind, queue string) (stored, skipped int, err error) {
	return workspace.New(st).Offline(ctx, kind, queue)
}
