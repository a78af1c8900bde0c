// Command procio runs a command and prints what it read from the disk and how long it took: the
// read_bytes of /proc/PID/io, which counts the bytes the kernel fetched from the storage device for the
// process and its waited-for children (page cache hits count nothing), taken when the command has exited
// (the zombie's counters, before it is reaped). Linux only.
//
//	go run ./perf/procio -- loupe import DIR
//
// prints, on standard error, one line: "procio: wall 1.234s read_bytes 5678 rchar 91011".
package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: procio -- COMMAND [ARG...]")
		os.Exit(2)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "procio:", err)
		os.Exit(1)
	}
	// wait for the exit without reaping, so that /proc/PID/io still holds the totals
	var info [128]byte
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, 1 /* P_PID */, uintptr(cmd.Process.Pid), uintptr(unsafePtr(&info)), syscall.WEXITED|0x01000000 /* WNOWAIT */, 0, 0)
		if e != syscall.EINTR {
			break
		}
	}
	wall := time.Since(start)
	io := readIO(cmd.Process.Pid)
	err := cmd.Wait()
	fmt.Fprintf(os.Stderr, "procio: wall %.3fs read_bytes %s rchar %s\n", wall.Seconds(), io["read_bytes"], io["rchar"])
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			os.Exit(ee.ExitCode())
		}
		os.Exit(1)
	}
}

func readIO(pid int) map[string]string {
	out := map[string]string{}
	f, err := os.Open(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		out[k] = strings.TrimSpace(v)
	}
	return out
}

func unsafePtr(p *[128]byte) unsafe.Pointer { return unsafe.Pointer(p) }
