package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"maillage/internal/auth"
	"maillage/internal/auth/authtest"
)

var mailedLink = regexp.MustCompile(`http://\S+/invitation/(inv_\S+)`)

// mailBody decodes a received invitation mail: subject and text.
func mailBody(t *testing.T, m authtest.SMTPMessage) (string, string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	b, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	return subject, string(b)
}

// TestUserSMTP: "user invite", "user create" without password and
// "maillage serve" with --smtp-* send the invitation link by mail to a real
// SMTP listener; a refused recipient is reported, the link still printed.
func TestUserSMTP(t *testing.T) {
	t.Setenv(auth.PasswordEnv, "secret smtp")
	dsn := filepath.Join(t.TempDir(), "m.db")
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := runWithContext(context.Background(), append(args, "--db", dsn), strings.NewReader(""), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	var in bytes.Buffer
	in.WriteString("un mot de passe d'administration\n")
	if code := runWithContext(context.Background(), []string{"user", "create", "--admin", "chef@caf18.fr", "--password-stdin", "--db", dsn}, &in, io.Discard, io.Discard); code != 0 {
		t.Fatal("user create --admin failed")
	}
	if code, _, errOut := run("org", "create", "Centre social"); code != 0 {
		t.Fatal(errOut)
	}
	srv := authtest.StartSMTP(t, func(s *authtest.SMTPServer) { s.User, s.Password = "maillage", "secret smtp" })
	smtp := []string{"--smtp-addr", srv.Addr, "--smtp-from", "maillage@caf18.fr", "--smtp-user", "maillage"}

	code, out, errOut := run(append([]string{"user", "invite", "editeur@cs.fr", "--org", "2", "--role", "partner_editor", "--url", "http://maillage.caf18.test"}, smtp...)...)
	printed := mailedLink.FindString(out)
	if code != 0 || printed == "" || !strings.Contains(out, "envoyé par courriel à editeur@cs.fr") {
		t.Fatalf("user invite with SMTP: %d %s %s", code, out, errOut)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "editeur@cs.fr" || msgs[0].AuthUser != "maillage" {
		t.Fatalf("messages: %+v", msgs)
	}
	subject, body := mailBody(t, msgs[0])
	if subject != "Invitation à rejoindre Maillage" || mailedLink.FindString(body) != printed || !strings.Contains(body, "« Centre social »") {
		t.Errorf("mail %q:\n%s\nprinted link %s", subject, body, printed)
	}

	code, out, errOut = run(append([]string{"user", "create", "lectrice@cs.fr", "--org", "2", "--role", "partner_reader"}, smtp...)...)
	if code != 0 || !strings.Contains(out, "envoyé par courriel") || len(srv.Messages()) != 2 {
		t.Fatalf("user create without password, with SMTP: %d %s %s (%d messages)", code, out, errOut, len(srv.Messages()))
	}

	// configuration errors
	if code, _, errOut := run("user", "invite", "x@cs.fr", "--org", "2", "--role", "partner_reader", "--smtp-addr", srv.Addr); code == 0 || !strings.Contains(errOut, "adresse d'expédition") {
		t.Errorf("--smtp-addr without --smtp-from: %d %s", code, errOut)
	}
	t.Setenv(auth.PasswordEnv, "")
	if code, _, errOut := run(append([]string{"user", "invite", "x@cs.fr", "--org", "2", "--role", "partner_reader"}, smtp...)...); code == 0 || !strings.Contains(errOut, auth.PasswordEnv) {
		t.Errorf("--smtp-user without password: %d %s", code, errOut)
	}
	t.Setenv(auth.PasswordEnv, "secret smtp")

	// a refused recipient: the link is printed, the failure explained, exit 1
	bad := authtest.StartSMTP(t, func(s *authtest.SMTPServer) { s.RejectRcpt = true })
	code, out, errOut = run("user", "invite", "inconnu@cs.fr", "--org", "2", "--role", "partner_reader", "--smtp-addr", bad.Addr, "--smtp-from", "maillage@caf18.fr")
	if code == 0 || !mailedLink.MatchString(out) || !strings.Contains(errOut, "a échoué") || !strings.Contains(errOut, "reste valable") {
		t.Errorf("refused recipient: %d %s %s", code, out, errOut)
	}

	// maillage serve --smtp-*: an invitation made through the API is mailed,
	// and the link in the mail opens the account
	s := startServe(t, dsn, smtp...)
	defer s.stop()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	post := func(path, csrf string, body any) (int, map[string]any) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", s.url+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if csrf != "" {
			req.Header.Set(auth.CSRFHeader, csrf)
		}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	st, me := post("/api/v1/auth/login", "", map[string]string{"email": "chef@caf18.fr", "password": "un mot de passe d'administration"})
	if st != 200 {
		t.Fatalf("login: %d %v", st, me)
	}
	st, ni := post("/api/v1/admin/invitations", me["csrf_token"].(string), map[string]any{"email": "servi@cs.fr", "org_id": 2, "role": "partner_reader"})
	if st != 201 {
		t.Fatalf("invitation through serve: %d %v", st, ni)
	}
	msgs = srv.Messages()
	if len(msgs) != 3 || msgs[2].To[0] != "servi@cs.fr" {
		t.Fatalf("serve did not mail the invitation: %d messages", len(msgs))
	}
	_, body = mailBody(t, msgs[2])
	m := mailedLink.FindStringSubmatch(body)
	if m == nil || m[0] != ni["link"] {
		t.Fatalf("link in the mail %v, in the answer %v", m, ni["link"])
	}
	jar2, _ := cookiejar.New(nil)
	hc = &http.Client{Jar: jar2}
	if st, res := post("/api/v1/auth/invitations/"+m[1], "", map[string]string{"password": "le mot de passe de la personne"}); st != 200 {
		t.Fatalf("accepting the mailed link: %d %v", st, res)
	}
}
