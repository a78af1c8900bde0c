package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// relay runs argv on a new pseudo-terminal the size of this one and passes bytes through both ways -
// the program's output to this terminal untouched (graphics included), this terminal's input (keys, and
// replies to the program's queries) to the program - and also writes to the program whatever is
// written to the named pipe fifo: how perf/review-screens.sh types keys into a screen under Xvfb
// without an X input tool.
func relay(fifo string, argv []string) error {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return err
	}
	defer master.Close()
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		return fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		return fmt.Errorf("pty number: %w", err)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return err
	}
	// The size is set through the master: the slave is closed here once the program started, and a
	// size set on the master reaches the program as SIGWINCH all the same.
	resize := func() {
		if ws, err := unix.IoctlGetWinsize(0, unix.TIOCGWINSZ); err == nil {
			unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, ws)
		}
	}
	resize()
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	go func() {
		for range winch {
			resize()
		}
	}()
	if old, err := term.MakeRaw(0); err == nil {
		defer term.Restore(0, old)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		return err
	}
	slave.Close()
	go io.Copy(os.Stdout, master)
	go io.Copy(master, os.Stdin)
	go func() {
		for {
			f, err := os.Open(fifo)
			if err != nil {
				return
			}
			io.Copy(master, f)
			f.Close()
		}
	}()
	return cmd.Wait()
}
