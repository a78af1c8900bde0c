//go:build unix

package unprivileged

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
)

// nobody is the unprivileged user and group the test runs as.
const nobody = 65534

// Run reports whether the calling test should run its body in this process. Outside root (or in the
// re-run) it returns true. As root it runs this one test again in a copy of the test binary as user
// nobody, with a temporary folder of nobody's own, logs that run's output, fails the test if the re-run
// failed, and returns false; it skips the test when the re-run cannot be started. Call it first, from a
// top-level test (not a subtest), before making any files.
func Run(t *testing.T) bool {
	t.Helper()
	if os.Geteuid() != 0 || child(t.Name()) {
		return true
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skipf("cannot re-run as nobody: %v", err)
	}
	dir, err := os.MkdirTemp("", "loupe-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "test.bin")
	if err := copyFile(exe, bin); err != nil {
		t.Skipf("cannot re-run as nobody: %v", err)
	}
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(tmp, nobody, nobody); err != nil {
		t.Skipf("cannot re-run as nobody: %v", err)
	}
	cmd := exec.Command(bin, "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v", "-test.count=1")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), envKey+"="+t.Name(), "TMPDIR="+tmp, "HOME="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		t.Logf("ran as nobody:\n%s", out)
	case errors.As(err, &ee):
		t.Errorf("as nobody: %v\n%s", err, out)
	default:
		t.Skipf("cannot re-run as nobody: %v", err)
	}
	return false
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
