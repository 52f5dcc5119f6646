package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"maillage/internal/analysis"
	"maillage/internal/demo"
	"maillage/internal/domain"
	"maillage/internal/store"
	"maillage/internal/store/storetest"
	"maillage/internal/web"
)

// benchHandler serves the demo on a fresh SQLite file, or the database named
// by MAILLAGE_BENCH_DB (e.g. the national data set) when set; the
// département measured is MAILLAGE_BENCH_DEP (default: the demo's 96).
//
//	go test ./internal/web -run '^$' -bench . -benchtime 2s
//	MAILLAGE_BENCH_DB=/path/national.db MAILLAGE_BENCH_DEP=18 go test ./internal/web -run '^$' -bench .
func benchHandler(b *testing.B) (http.Handler, string) {
	b.Helper()
	var s domain.Store
	dep := "96"
	if db := os.Getenv("MAILLAGE_BENCH_DB"); db != "" {
		var err error
		s, err = store.Open(context.Background(), db)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		if d := os.Getenv("MAILLAGE_BENCH_DEP"); d != "" {
			dep = d
		}
	} else {
		s = storetest.OpenSQLite(b)
		if err := demo.Build(context.Background(), s); err != nil {
			b.Fatal(err)
		}
	}
	h, err := web.New(s, web.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return h, dep
}

func benchPage(b *testing.B, h http.Handler, path string) {
	b.Helper()
	// warm the caches (projected outlines, aggregates, analysis snapshot)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != 200 {
		b.Fatalf("%s: status %d", path, rec.Code)
	}
	size := rec.Body.Len()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		n++
		p := strings.ReplaceAll(path, "{n}", strconv.Itoa(n))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != 200 {
			b.Fatalf("%s: status %d", path, rec.Code)
		}
	}
	b.ReportMetric(float64(size), "bytes/page")
}

func BenchmarkPages(b *testing.B) {
	h, dep := benchHandler(b)
	for _, c := range []struct{ name, path string }{
		{"home", "/"},
		{"portrait_departement", "/territoires/" + dep},
		{"portrait_departement_pauvrete", "/territoires/" + dep + "?indicateur=taux_pauvrete"},
		{"actions", "/actions"},
		{"actions_filtrees", "/actions?territoire=" + dep + "&thematique=parentalite"},
		{"analyse_departement", "/analyse?perimetre=" + dep + "&thematique=parentalite"},
		// {n} makes every request a page-cache miss: the cost of a new analysis
		{"analyse_departement_sans_cache", "/analyse?perimetre=" + dep + "&thematique=parentalite&n={n}"},
		{"portrait_departement_sans_cache", "/territoires/" + dep + "?n={n}"},
	} {
		b.Run(c.name, func(b *testing.B) { benchPage(b, h, c.path) })
	}
}

// BenchmarkColdPages measures the first request of a page in a fresh handler
// (no page, aggregate or outline cache), the analysis engine being built
// once beforehand as the server does at start-up.
//
//	MAILLAGE_BENCH_DB=/path/national.db MAILLAGE_BENCH_DEP=18 go test ./internal/web -run '^$' -bench ColdPages -benchtime 5x
func BenchmarkColdPages(b *testing.B) {
	var s domain.Store
	dep := "96"
	if db := os.Getenv("MAILLAGE_BENCH_DB"); db != "" {
		var err error
		s, err = store.Open(context.Background(), db)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		if d := os.Getenv("MAILLAGE_BENCH_DEP"); d != "" {
			dep = d
		}
	} else {
		s = storetest.OpenSQLite(b)
		if err := demo.Build(context.Background(), s); err != nil {
			b.Fatal(err)
		}
	}
	eng, err := analysis.NewEngine(context.Background(), s)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, path string }{
		{"portrait_departement", "/territoires/" + dep},
		{"portrait_departement_pauvrete", "/territoires/" + dep + "?indicateur=taux_pauvrete"},
		{"analyse_departement", "/analyse?perimetre=" + dep + "&thematique=parentalite"},
	} {
		b.Run(c.name, func(b *testing.B) {
			// CPU time of the process per page: the shared machine's load
			// makes wall time vary several-fold between runs.
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				h, err := web.New(s, web.Options{Analysis: eng})
				if err != nil {
					b.Fatal(err)
				}
				c0 := processCPU()
				b.StartTimer()
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
				b.StopTimer()
				cpu += processCPU() - c0
				b.StartTimer()
				if rec.Code != 200 {
					b.Fatalf("%s: status %d", c.path, rec.Code)
				}
			}
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

// processCPU is the user and system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
