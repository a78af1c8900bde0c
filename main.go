// Command loupe reviews text-to-image training data and audits VLM-judge verdicts from the terminal.
package main

import (
	"os"

	"github.com/loupe-dev/loupe/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
