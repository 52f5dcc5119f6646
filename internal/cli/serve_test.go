package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"maillage/internal/store/storetest"
)

// lockedBuffer is a bytes.Buffer safe for the server goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var (
	addrLine  = regexp.MustCompile(`Maillage est disponible sur (http://\S+)`)
	tokenLine = regexp.MustCompile(`Jeton d'administration \(affiché une seule fois\) : (\S+)`)
)

type running struct {
	url, token string
	out        *lockedBuffer
	stop       func() error
}

// runWithContext is Main with a context the test cancels (Main's own ends
// on SIGINT/SIGTERM): the same command table and flag parser.
func runWithContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, DB: DefaultDB}
	c, rest := resolve(args)
	if c == nil || c.Run == nil {
		return 2
	}
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var db string
	fs.StringVar(&db, "db", "", "")
	c.Flags(fs)
	positional, err := parseInterspersed(fs, rest)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if db != "" {
		env.DB = db
	}
	if err := c.Run(ctx, env, fs, positional); err != nil {
		fmt.Fprintln(stderr, describe(err))
		return 1
	}
	return 0
}

// startServe runs "maillage serve" (the command's own code, flags parsed by
// Main's parser) on a free port until stop is called.
func startServe(t *testing.T, db string, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &lockedBuffer{}, &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- runWithContext(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, args...), strings.NewReader(""), out, errOut)
	}()
	deadline := time.Now().Add(60 * time.Second)
	var url string
	for time.Now().Before(deadline) {
		if m := addrLine.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d: %s %s", code, out, errOut)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if url == "" {
		cancel()
		t.Fatalf("serve did not print its address: %s %s", out, errOut)
	}
	r := &running{url: url, out: out}
	if m := tokenLine.FindStringSubmatch(out.String()); m != nil {
		r.token = m[1]
	}
	stopped := false
	r.stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				return fmt.Errorf("exit code %d: %s", code, errOut)
			}
			return nil
		case <-time.After(15 * time.Second):
			return errors.New("serve did not stop")
		}
	}
	t.Cleanup(func() { r.stop() })
	return r
}

func (r *running) request(t *testing.T, method, path, body, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, r.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "maillage.db")
	srv := startServe(t, db)
	if srv.token == "" || !strings.HasPrefix(srv.token, "mla_") {
		t.Fatalf("no admin token printed at first start: %s", srv.out)
	}
	if code, body := srv.request(t, "GET", "/healthz", "", ""); code != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("healthz: %d %s", code, body)
	}
	actor := `{"name":"CAF du Cher","type":"caf"}`
	if code, _ := srv.request(t, "POST", "/api/v1/actors", actor, ""); code != 401 {
		t.Errorf("write without token: %d", code)
	}
	code, body := srv.request(t, "POST", "/api/v1/actors", actor, srv.token)
	if code != 201 {
		t.Fatalf("write with the printed token: %d %s", code, body)
	}
	var a struct{ ID int64 }
	json.Unmarshal([]byte(body), &a)
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(srv.out.String(), "Maillage s'est arrêté.") {
		t.Errorf("no shutdown message: %s", srv.out)
	}

	// Second start: the token is not shown again, still works, the data is there.
	srv2 := startServe(t, db)
	if srv2.token != "" || strings.Contains(srv2.out.String(), "Jeton") {
		t.Errorf("token shown twice: %s", srv2.out)
	}
	if code, _ := srv2.request(t, "GET", "/api/v1/actors?q=CAF", "", ""); code != 200 {
		t.Errorf("read after restart: %d", code)
	}
	if code, _ := srv2.request(t, "DELETE", "/api/v1/actors/999999", "", srv.token); code != 404 {
		t.Errorf("old token after restart: %d, want 404 (authenticated)", code)
	}
	srv2.stop()

	// --new-admin-token rotates: the old token stops working.
	srv3 := startServe(t, db, "--new-admin-token")
	if srv3.token == "" || srv3.token == srv.token {
		t.Fatalf("no new token: %s", srv3.out)
	}
	if code, _ := srv3.request(t, "POST", "/api/v1/actors", actor, srv.token); code != 401 {
		t.Errorf("old token after rotation: %d", code)
	}
	if code, _ := srv3.request(t, "POST", "/api/v1/actors", actor, srv3.token); code != 201 {
		t.Errorf("new token: %d", code)
	}
}

func TestServeDemoPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("demo build")
	}
	u, _ := storetest.NewPostgresSchema(t)
	srv := startServe(t, u, "--demo")
	if !strings.Contains(srv.out.String(), "démonstration") {
		t.Errorf("no demo message: %s", srv.out)
	}
	code, body := srv.request(t, "GET", "/api/v1/territories?type=commune&limit=1", "", "")
	var l struct{ Total int }
	json.Unmarshal([]byte(body), &l)
	if code != 200 || l.Total < 40 {
		t.Errorf("demo communes: %d %d %.200s", code, l.Total, body)
	}
	code, body = srv.request(t, "GET", "/api/v1/actions?limit=1", "", "")
	json.Unmarshal([]byte(body), &l)
	if code != 200 || l.Total < 100 {
		t.Errorf("demo actions: %d %d", code, l.Total)
	}
	srv.stop()
	// A second --demo start does not load it again.
	srv2 := startServe(t, u, "--demo")
	if strings.Contains(srv2.out.String(), "démonstration") {
		t.Errorf("demo loaded twice: %s", srv2.out)
	}
}

func TestServeUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"serve", "extra"}, strings.NewReader(""), &out, &errOut); code != 2 {
		t.Errorf("serve extra: exit %d", code)
	}
	if code := Main([]string{"serve", "--addr", "256.0.0.1:99999", "--db", filepath.Join(t.TempDir(), "x.db")}, strings.NewReader(""), &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "impossible d'écouter") {
		t.Errorf("bad address: exit %d, %s", code, errOut.String())
	}
	// A busy port: no token is created (it would never be shown).
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	db := filepath.Join(t.TempDir(), "busy.db")
	out.Reset()
	if code := Main([]string{"serve", "--addr", busy.Addr().String(), "--db", db}, strings.NewReader(""), &out, &errOut); code != 1 {
		t.Errorf("busy port: exit %d", code)
	}
	srv := startServe(t, db)
	if srv.token == "" {
		t.Errorf("the token was spent on a failed start: %s", srv.out)
	}
	srv.stop()
	out.Reset()
	if code := Main([]string{"serve", "-h"}, strings.NewReader(""), &out, &errOut); code != 0 || !strings.Contains(out.String(), "--new-admin-token") {
		t.Errorf("serve -h: %d %s", code, out.String())
	}
}

// TestServePublicURL: with --url, invitation links point to the public
// address, not to the one the request came to; a malformed --url is refused
// before anything starts.
func TestServePublicURL(t *testing.T) {
	db := filepath.Join(t.TempDir(), "maillage.db")
	srv := startServe(t, db, "--url", "https://maillage.caf.test/")
	defer srv.stop()
	code, body := srv.request(t, "POST", "/api/v1/admin/invitations", `{"email":"agent@commune.test","org_id":1,"role":"partner_reader"}`, srv.token)
	if code != 201 {
		t.Fatalf("invite: %d %s", code, body)
	}
	var inv struct{ Link string }
	json.Unmarshal([]byte(body), &inv)
	if !strings.HasPrefix(inv.Link, "https://maillage.caf.test/invitation/") {
		t.Errorf("invitation link %q does not use --url", inv.Link)
	}
	var out, errOut strings.Builder
	if rc := Main([]string{"serve", "--db", db, "--url", "maillage.caf.test"}, strings.NewReader(""), &out, &errOut); rc == 0 || !strings.Contains(errOut.String(), "--url") {
		t.Errorf("malformed --url: exit %d, %q", rc, errOut.String())
	}
}
