// Package testutil holds small helpers shared by tests.
package testutil

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// ModuleRoot returns the repository root (the directory holding go.mod).
func ModuleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// SharedData returns the directory of the real public data (COG, geometries,
// indicators) that tests read: $MAILLAGE_SHARED_DATA, or ../shared/data beside
// the repository. The test is skipped with a clear message when it is absent,
// except in CI (MAILLAGE_REQUIRE_DATA=1) where it fails.
func SharedData(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("MAILLAGE_SHARED_DATA")
	if dir == "" {
		dir = filepath.Join(ModuleRoot(), "..", "shared", "data")
	}
	if _, err := os.Stat(filepath.Join(dir, "cog", "communes.json")); err != nil {
		if os.Getenv("MAILLAGE_REQUIRE_DATA") != "" {
			t.Fatalf("shared data not found in %s: %v", dir, err)
		}
		t.Skipf("shared data not found in %s (set MAILLAGE_SHARED_DATA)", dir)
	}
	return dir
}
