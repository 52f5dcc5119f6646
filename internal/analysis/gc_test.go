package analysis

import (
	"runtime/debug"
	"testing"
)

// TestLowerGCOverlap: overlapping loads keep the lower GC target until the
// last one ends, then the process's own setting comes back, whatever the
// order in which they end; a setting already below the target is kept.
func TestLowerGCOverlap(t *testing.T) {
	orig := debug.SetGCPercent(120)
	defer debug.SetGCPercent(orig)
	a := lowerGC()
	b := lowerGC()
	if got := debug.SetGCPercent(loadGCPercent); got != loadGCPercent {
		t.Errorf("during the loads: GC %d, want %d", got, loadGCPercent)
	}
	a()
	if got := debug.SetGCPercent(loadGCPercent); got != loadGCPercent {
		t.Errorf("one load still running: GC %d, want %d", got, loadGCPercent)
	}
	b()
	if got := debug.SetGCPercent(120); got != 120 {
		t.Errorf("after the loads: GC %d, want 120", got)
	}
	debug.SetGCPercent(20)
	c := lowerGC()
	if got := debug.SetGCPercent(20); got != 20 {
		t.Errorf("an operator's GOGC=20 became %d during a load", got)
	}
	c()
	if got := debug.SetGCPercent(120); got != 20 {
		t.Errorf("after the load: GC %d, want 20", got)
	}
}
