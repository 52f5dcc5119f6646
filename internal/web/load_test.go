package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"maillage/internal/demo"
	"maillage/internal/domain"
	"maillage/internal/store"
	"maillage/internal/store/storetest"
	"maillage/internal/web"
)

// TestLoadAnalysis puts 50 concurrent connections on the analysis page over
// loopback for a bounded time and checks p99 < 300 ms with no errors. It is
// a load script, not a unit test: it runs only with MAILLAGE_LOAD=1.
//
//	MAILLAGE_LOAD=1 go test ./internal/web -run TestLoadAnalysis -v
//	MAILLAGE_LOAD=1 MAILLAGE_BENCH_DB=/path/national.db MAILLAGE_BENCH_DEP=18 go test ./internal/web -run TestLoadAnalysis -v
//
// MAILLAGE_LOAD_SECONDS (default 10) and MAILLAGE_LOAD_CONNS (default 50)
// change the duration and the concurrency; MAILLAGE_LOAD_PATH the page.
func TestLoadAnalysis(t *testing.T) {
	if os.Getenv("MAILLAGE_LOAD") == "" {
		t.Skip("load script: set MAILLAGE_LOAD=1 to run it")
	}
	var s domain.Store
	dep := "96"
	if db := os.Getenv("MAILLAGE_BENCH_DB"); db != "" {
		var err error
		if s, err = store.Open(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if d := os.Getenv("MAILLAGE_BENCH_DEP"); d != "" {
			dep = d
		}
	} else {
		s = storetest.OpenSQLite(t)
		if err := demo.Build(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	h, err := web.New(s, web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	path := os.Getenv("MAILLAGE_LOAD_PATH")
	if path == "" {
		path = "/analyse?perimetre=" + dep + "&thematique=parentalite"
	}
	secs, conns := 10, 50
	if v, err := strconv.Atoi(os.Getenv("MAILLAGE_LOAD_SECONDS")); err == nil && v > 0 {
		secs = min(v, 120)
	}
	if v, err := strconv.Atoi(os.Getenv("MAILLAGE_LOAD_CONNS")); err == nil && v > 0 {
		conns = v
	}
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	defer tr.CloseIdleConnections()
	// warm up
	if r, err := client.Get(srv.URL + path); err != nil || r.StatusCode != 200 {
		t.Fatalf("warm-up: %v %v", err, r)
	} else {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			var mine []time.Duration
			bad := 0
			for time.Now().Before(deadline) {
				start := time.Now()
				r, err := client.Get(srv.URL + path)
				if err != nil {
					bad++
					continue
				}
				io.Copy(io.Discard, r.Body)
				r.Body.Close()
				if r.StatusCode != 200 {
					bad++
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(lat) == 0 {
		t.Fatal("no request completed")
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	t.Logf("%s: %d requests in %ds with %d connections (%.0f req/s), p50 %v, p90 %v, p99 %v, max %v, errors %d",
		path, len(lat), secs, conns, float64(len(lat))/float64(secs), q(0.5), q(0.9), q(0.99), lat[len(lat)-1], errs)
	if errs > 0 {
		t.Errorf("%d errors", errs)
	}
	if q(0.99) > 300*time.Millisecond {
		t.Errorf("p99 %v, want under 300 ms", q(0.99))
	}
}
