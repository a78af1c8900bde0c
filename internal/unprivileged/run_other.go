//go:build !unix

package unprivileged

import "testing"

// Run reports whether the calling test should run its body in this process: always, where there is
// no root to drop.
func Run(t *testing.T) bool { return true }
