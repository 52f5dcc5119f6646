// Command maillage is the shared observatory of social action: one binary for
// the web interface, the JSON API, the importers and the analysis.
package main

import (
	"os"

	"maillage/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
