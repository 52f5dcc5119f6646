package analysis_test

import (
	"context"
	"os"
	"runtime"
	"sync"
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
	natHeap uint64
	natErr  error
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
		t0 := time.Now()
		natSnap, natErr = analysis.Load(ctx, st)
		natLoad = time.Since(t0)
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
	for i := 0; i < b.N; i++ {
		if _, err := analysis.Analyse(s, p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
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
