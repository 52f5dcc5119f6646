package analysis_test

import (
	"context"
	"os"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"maillage/internal/analysis"
	"maillage/internal/store"
)

// The national data set of « maillage demo --scale national », imported
// into a database named by MAILLAGE_NATIONAL_DB (a SQLite path or a
// postgres:// URL):
//
//	MAILLAGE_NATIONAL_DB=/tmp/national.db go test ./internal/analysis -run '^$' -bench National -benchtime 5x
var (
	natOnce sync.Once
	natSnap *analysis.Snapshot
	natLoad time.Duration
	// natLoadCPU: CPU time of the process during the load (the store's
	// reads and the snapshot's decoding, on all threads).
	natLoadCPU time.Duration
	natHeap    uint64
	natErr     error
)

func nationalSnapshot(b *testing.B) *analysis.Snapshot {
	dsn := os.Getenv("MAILLAGE_NATIONAL_DB")
	if dsn == "" {
		b.Skip("MAILLAGE_NATIONAL_DB not set")
	}
	natOnce.Do(func() {
		ctx := context.Background()
		st, err := store.Open(ctx, dsn)
		if err != nil {
			natErr = err
			return
		}
		defer st.Close()
		t0, c0 := time.Now(), cpuTime()
		natSnap, natErr = analysis.Load(ctx, st)
		natLoad, natLoadCPU = time.Since(t0), cpuTime()-c0
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		natHeap = m.HeapAlloc
	})
	if natErr != nil {
		b.Fatal(natErr)
	}
	return natSnap
}

func benchNational(b *testing.B, p analysis.Params) {
	s := nationalSnapshot(b)
	if _, err := analysis.Analyse(s, p); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := analysis.Analyse(s, p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// CPU seconds of the process per analysis: unlike ns/op, not inflated
	// when other work keeps the shared machine busy.
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(natLoadCPU.Seconds(), "load-cpu-s")
	b.ReportMetric(natLoad.Seconds(), "load-s")
	b.ReportMetric(float64(natHeap)/(1<<20), "heap-MiB")
}

func BenchmarkNationalDepartement(b *testing.B) {
	benchNational(b, analysis.Params{Scope: "18", Themes: []string{"parentalite"}})
}

func BenchmarkNationalEPCI(b *testing.B) {
	benchNational(b, analysis.Params{Scope: "200066330", Themes: []string{"parentalite"}})
}

func BenchmarkNationalFrance(b *testing.B) {
	benchNational(b, analysis.Params{Scope: "FR", Themes: []string{"parentalite"}})
}

// cpuTime is the user + system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
