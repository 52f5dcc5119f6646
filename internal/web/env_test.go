package web_test

import "os"

// requireDSFR is true in CI, where the DSFR must be installed (npm ci).
func requireDSFR() bool { return os.Getenv("MAILLAGE_REQUIRE_BROWSER") != "" }
