// Command maillage is the shared observatory of social action: one binary for
// the web interface, the JSON API, the importers and the analysis.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"maillage/internal/cli"
)

func main() {
	os.Exit(run())
}

// run is main with deferred calls. MAILLAGE_CPUPROFILE=FILE writes a CPU
// profile of the whole command (see internal/store/BENCHMARKS.md).
func run() int {
	if path := os.Getenv("MAILLAGE_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "maillage:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "maillage:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	return cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}
