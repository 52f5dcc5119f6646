package server_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"maillage/internal/analysis"
	"maillage/internal/api"
	"maillage/internal/domain"
	"maillage/internal/server"
	"maillage/internal/store/storetest"
)

type senv struct {
	t     *testing.T
	url   string
	token string
	// client does not decompress, so the tests see what the server sent.
	client *http.Client
}

func newServer(t *testing.T, s domain.Store) *senv {
	t.Helper()
	ctx := context.Background()
	tok, err := api.NewAdminToken(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	h, err := server.New(ctx, s, server.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Wrap: func(next http.Handler) http.Handler {
			mux := http.NewServeMux()
			mux.HandleFunc("/boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
			mux.HandleFunc("/api/v1/boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
			mux.Handle("/", next)
			return mux
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &senv{t: t, url: ts.URL, token: tok, client: &http.Client{Transport: &http.Transport{DisableCompression: true}}}
}

func (e *senv) do(method, path, body string, h map[string]string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

func TestServer(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newServer(t, s)

		t.Run("healthz", func(t *testing.T) {
			resp, b := e.do("GET", "/healthz", "", nil)
			if resp.StatusCode != 200 || !strings.Contains(string(b), `"status":"ok"`) || !strings.Contains(string(b), s.Dialect()) {
				t.Errorf("healthz: %d %s", resp.StatusCode, b)
			}
		})

		t.Run("security headers", func(t *testing.T) {
			for _, p := range []string{"/", "/healthz", "/api/v1/referentials", "/api/v1/actions/999999", "/boom"} {
				resp, _ := e.do("GET", p, "", nil)
				h := resp.Header
				csp := h.Get("Content-Security-Policy")
				if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
					t.Errorf("%s: CSP %q", p, csp)
				}
				if len(h.Get("X-Request-ID")) != 16 {
					t.Errorf("%s: X-Request-ID %q", p, h.Get("X-Request-ID"))
				}
				if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
					t.Errorf("%s: headers %v", p, h)
				}
			}
		})

		t.Run("request id", func(t *testing.T) {
			resp, _ := e.do("GET", "/healthz", "", map[string]string{"X-Request-ID": "proxy-42"})
			if resp.Header.Get("X-Request-ID") != "proxy-42" {
				t.Errorf("proxy id not kept: %q", resp.Header.Get("X-Request-ID"))
			}
			resp, _ = e.do("GET", "/healthz", "", map[string]string{"X-Request-ID": "<script>"})
			if id := resp.Header.Get("X-Request-ID"); id == "<script>" || len(id) != 16 {
				t.Errorf("bad id echoed: %q", id)
			}
		})

		t.Run("web and api mounted", func(t *testing.T) {
			resp, b := e.do("GET", "/", "", nil)
			if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(b), "Maillage") {
				t.Errorf("GET /: %d %.200s", resp.StatusCode, b)
			}
			resp, b = e.do("GET", "/api/v1/openapi.json", "", nil)
			if resp.StatusCode != 200 || !strings.Contains(string(b), "3.1.0") {
				t.Errorf("openapi: %d", resp.StatusCode)
			}
			resp, _ = e.do("GET", "/api/v2/actions", "", nil)
			if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("/api/v2: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		})

		t.Run("cross-origin writes refused", func(t *testing.T) {
			body := `{"name":"Association du quartier","type":"association"}`
			auth := "Bearer " + e.token
			// A browser's cross-site POST (even carrying a token) is refused.
			resp, b := e.do("POST", "/api/v1/actors", body, map[string]string{"Authorization": auth, "Sec-Fetch-Site": "cross-site"})
			if resp.StatusCode != 403 || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("cross-site POST: %d %s", resp.StatusCode, b)
			}
			resp, _ = e.do("POST", "/api/v1/actors", body, map[string]string{"Authorization": auth, "Origin": "https://evil.example"})
			if resp.StatusCode != 403 {
				t.Errorf("foreign Origin POST: %d", resp.StatusCode)
			}
			// A form post to the web interface from elsewhere: French page.
			resp, b = e.do("POST", "/actions", "title=x", map[string]string{"Sec-Fetch-Site": "cross-site", "Accept": "text/html"})
			if resp.StatusCode != 403 || !strings.Contains(string(b), "autre site") {
				t.Errorf("cross-site form: %d %.200s", resp.StatusCode, b)
			}
			// Reads from elsewhere are fine; so are same-origin writes and
			// scripts (no Origin, no Sec-Fetch-Site) with the token.
			resp, _ = e.do("GET", "/api/v1/actors", "", map[string]string{"Sec-Fetch-Site": "cross-site"})
			if resp.StatusCode != 200 {
				t.Errorf("cross-site GET: %d", resp.StatusCode)
			}
			resp, b = e.do("POST", "/api/v1/actors", body, map[string]string{"Authorization": auth, "Sec-Fetch-Site": "same-origin"})
			if resp.StatusCode != 201 {
				t.Errorf("same-origin POST: %d %s", resp.StatusCode, b)
			}
			resp, b = e.do("POST", "/api/v1/actors", body, map[string]string{"Authorization": auth})
			if resp.StatusCode != 201 {
				t.Errorf("script POST: %d %s", resp.StatusCode, b)
			}
		})

		t.Run("panic recovery", func(t *testing.T) {
			resp, b := e.do("GET", "/api/v1/boom", "", nil)
			var p api.Problem
			if resp.StatusCode != 500 || resp.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(b, &p) != nil || p.Status != 500 {
				t.Errorf("API panic: %d %s", resp.StatusCode, b)
			}
			if strings.Contains(p.Detail, "boom") {
				t.Errorf("the panic value leaks: %s", b)
			}
			resp, b = e.do("GET", "/boom", "", map[string]string{"Accept": "text/html"})
			if resp.StatusCode != 500 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(b), "Erreur interne") || !strings.Contains(string(b), `lang="fr"`) {
				t.Errorf("web panic: %d %s", resp.StatusCode, b)
			}
			// The server still serves.
			if resp, _ := e.do("GET", "/healthz", "", nil); resp.StatusCode != 200 {
				t.Errorf("after panic: %d", resp.StatusCode)
			}
		})

		t.Run("gzip", func(t *testing.T) {
			resp, b := e.do("GET", "/api/v1/openapi.json", "", map[string]string{"Accept-Encoding": "gzip"})
			if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
				t.Fatalf("openapi.json not compressed: %v", resp.Header)
			}
			zr, err := gzip.NewReader(strings.NewReader(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(plain, &doc); err != nil || doc["openapi"] != "3.1.0" {
				t.Errorf("decompressed document: %v", err)
			}
			if len(b)*3 > len(plain) {
				t.Errorf("poor compression: %d → %d", len(plain), len(b))
			}
			// Without Accept-Encoding: plain.
			resp, b = e.do("GET", "/api/v1/openapi.json", "", nil)
			if resp.Header.Get("Content-Encoding") != "" || !json.Valid(b) {
				t.Errorf("uncompressed answer: %v", resp.Header)
			}
			// An API write through gzip still works and carries its ETag (weak).
			resp, b = e.do("GET", "/api/v1/actors?limit=1", "", map[string]string{"Accept-Encoding": "gzip"})
			if resp.StatusCode != 200 {
				t.Errorf("gzip list: %d", resp.StatusCode)
			}
		})
	})
}

// TestServeGraceful checks that Serve lets an in-flight request finish
// when its context ends, then returns.
func TestServeGraceful(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		w.Write([]byte("fini"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Serve(ctx, l, h, slog.New(slog.NewTextHandler(io.Discard, nil)), 5*time.Second) }()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + l.Addr().String() + "/")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel()
	if b := <-got; b != "fini" {
		t.Errorf("in-flight request got %q", b)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := http.Get("http://" + l.Addr().String() + "/"); err == nil {
		t.Errorf("server still answers after shutdown")
	}
}

// TestAPIWriteCatchesUpAnalysis: a successful API write makes the analysis
// engine check the data version at once (its periodic check is an hour
// away here), as the web forms do; a refused write does not.
func TestAPIWriteCatchesUpAnalysis(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		eng, err := analysis.NewEngine(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		eng.CheckInterval = time.Hour
		tok, err := api.NewAdminToken(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		opts := server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		opts.API.Analysis = eng
		h, err := server.New(ctx, s, opts)
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(h)
		defer ts.Close()
		e := &senv{t: t, url: ts.URL, token: tok, client: http.DefaultClient}
		before := len(eng.Snapshot().ActorID)
		auth := map[string]string{"Authorization": "Bearer " + tok}
		if resp, b := e.do("POST", "/api/v1/actors", `{"name":"","type":"caf"}`, auth); resp.StatusCode != 400 && resp.StatusCode != 422 {
			t.Fatalf("invalid actor: %d %s", resp.StatusCode, b)
		}
		if resp, b := e.do("POST", "/api/v1/actors", `{"name":"CAF du Cher","type":"caf"}`, auth); resp.StatusCode != 201 {
			t.Fatalf("create actor: %d %s", resp.StatusCode, b)
		}
		deadline := time.Now().Add(20 * time.Second)
		for len(eng.Snapshot().ActorID) != before+1 {
			if time.Now().After(deadline) {
				t.Fatalf("the analysis snapshot still has %d actors after the API write", len(eng.Snapshot().ActorID))
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}
