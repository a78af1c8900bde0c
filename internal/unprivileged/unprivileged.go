// Package unprivileged lets a test of file permissions mean something when the suite runs as root, who
// ignores file modes: Run re-runs the test as user nobody.
package unprivileged

import "os"

// envKey names the test a re-executed test binary runs as nobody.
const envKey = "LOUPE_TEST_UNPRIVILEGED"

// Child reports whether this process is the unprivileged re-run of the named test.
func child(name string) bool { return os.Getenv(envKey) == name }
