package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

var inviteLink = regexp.MustCompile(`http://\S+/invitation/(inv_\S+)`)

// TestUserCommands runs the accounts commands as an administrator would on
// a fresh instance, then uses what they created through "maillage serve".
func TestUserCommands(t *testing.T) {
	dbs := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "m.db") },
		"postgres": func(t *testing.T) string { u, _ := storetest.NewPostgresSchema(t); return u },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			dsn := dbs[name](t)
			run := func(stdin string, args ...string) (int, string, string) {
				var out, errOut bytes.Buffer
				code := runWithContext(context.Background(), append(args, "--db", dsn), strings.NewReader(stdin), &out, &errOut)
				return code, out.String(), errOut.String()
			}
			code, out, errOut := run("un mot de passe d'administration\n", "user", "create", "--admin", "Chef@Caf18.fr", "--password-stdin")
			if code != 0 || !strings.Contains(out, "chef@caf18.fr (admin, organisation 1)") {
				t.Fatalf("user create --admin: %d %s %s", code, out, errOut)
			}
			if code, _, errOut := run("court\n", "user", "create", "--admin", "x@caf18.fr", "--password-stdin"); code == 0 || !strings.Contains(errOut, "12 caractères") {
				t.Errorf("weak password accepted: %d %s", code, errOut)
			}
			if code, _, errOut := run("un mot de passe d'administration\n", "user", "create", "--admin", "CHEF@caf18.fr", "--password-stdin"); code == 0 || !strings.Contains(errOut, "existe déjà") {
				t.Errorf("duplicate email (other case) accepted: %d %s", code, errOut)
			}
			code, out, errOut = run("", "org", "create", "Centre social des Gibjoncs")
			if code != 0 || !strings.Contains(out, "Organisation 2 créée") {
				t.Fatalf("org create: %d %s %s", code, out, errOut)
			}
			if code, _, _ := run("", "org", "create", "Sans acteur", "--actor", "999"); code == 0 {
				t.Error("org create with an unknown actor succeeded")
			}
			code, out, errOut = run("", "user", "invite", "editeur@gibjoncs.fr", "--org", "2", "--role", "partner_editor")
			m := inviteLink.FindStringSubmatch(out)
			if code != 0 || m == nil {
				t.Fatalf("user invite: %d %s %s", code, out, errOut)
			}
			if code, _, _ := run("", "user", "invite", "x@y.fr", "--org", "2", "--role", "dieu"); code == 0 {
				t.Error("invitation with an unknown role succeeded")
			}
			// Without a password on a non-terminal stdin: an invitation link.
			code, out, _ = run("", "user", "create", "lectrice@gibjoncs.fr", "--org", "2", "--role", "partner_reader")
			if code != 0 || !inviteLink.MatchString(out) {
				t.Fatalf("user create without password: %d %s", code, out)
			}
			code, out, _ = run("", "user", "list")
			for _, want := range []string{"chef@caf18.fr", "admin@1", "lectrice@gibjoncs.fr", "partner_reader@2", "non (invitation)"} {
				if !strings.Contains(out, want) {
					t.Errorf("user list lacks %q:\n%s", want, out)
				}
			}
			code, out, _ = run("", "org", "list")
			if !strings.Contains(out, "Centre social des Gibjoncs") {
				t.Errorf("org list: %s", out)
			}

			// The server: the invitation link works, the administrator logs in.
			srv := startServe(t, dsn)
			jar, _ := cookiejar.New(nil)
			hc := &http.Client{Jar: jar}
			post := func(path string, body any) (int, map[string]any) {
				b, _ := json.Marshal(body)
				res, err := hc.Post(srv.url+path, "application/json", bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var m map[string]any
				json.NewDecoder(res.Body).Decode(&m)
				return res.StatusCode, m
			}
			if st, body := post("/api/v1/auth/invitations/"+m[1], map[string]string{"password": "le mot de passe de l'éditeur"}); st != 200 {
				t.Fatalf("accepting the invitation: %d %v", st, body)
			}
			if st, _ := post("/api/v1/auth/login", map[string]string{"email": "chef@caf18.fr", "password": "un mot de passe d'administration"}); st != 200 {
				t.Fatalf("administrator login: %d", st)
			}
			if err := srv.stop(); err != nil {
				t.Fatal(err)
			}
			// Everything above is in the audit log.
			st, err := openStore(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			p, err := st.Audit(context.Background(), auditAll)
			if err != nil {
				t.Fatal(err)
			}
			actions := map[string]bool{}
			for _, e := range p.Items {
				actions[e.Action+"/"+e.Kind] = true
			}
			for _, want := range []string{"create/user", "create/organisation", "invite/invitation", "invitation_accept/invitation", "login/session"} {
				if !actions[want] {
					t.Errorf("audit log lacks %s: %v", want, actions)
				}
			}
		})
	}
}

var auditAll = domain.AuditFilter{Limit: 1000}
