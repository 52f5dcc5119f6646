package authhttp_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"maillage/internal/auth"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// TestLoginForm: the HTML login signs in and sends the person back to a
// local page only (no open redirect); failures say the same thing for an
// unknown address and a wrong password.
func TestLoginForm(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		for ret, want := range map[string]string{
			"/actions?theme=jeunesse": "/actions?theme=jeunesse",
			"//evil.example/x":        "/",
			"https://evil.example/":   "/",
			"/\\evil.example":         "/",
			"":                        "/",
		} {
			c := e.anon()
			res := c.do("POST", "/connexion", url.Values{"email": {e.Emails[domain.RoleObserver]}, "password": {password}, "retour": {ret}}.Encode())
			if res.status != http.StatusSeeOther || res.header.Get("Location") != want {
				t.Errorf("retour %q: %d → %q, want %q", ret, res.status, res.header.Get("Location"), want)
			}
		}
		a := e.anon().do("POST", "/connexion", url.Values{"email": {"inconnu@nulle-part.test"}, "password": {"x"}}.Encode())
		b := e.anon().do("POST", "/connexion", url.Values{"email": {e.Emails[domain.RoleObserver]}, "password": {"x"}}.Encode())
		if a.status != 401 || b.status != 401 {
			t.Errorf("failed logins: %d %d", a.status, b.status)
		}
		strip := func(s string) string { return strings.ReplaceAll(s, "inconnu@nulle-part.test", "") }
		if strip(string(a.body)) != strings.ReplaceAll(string(b.body), e.Emails[domain.RoleObserver], "") {
			t.Error("the login page answers differently for an unknown address and a wrong password")
		}
	})
}

// TestSecureCookie: --secure-cookies (or TLS) marks the session cookie Secure.
func TestSecureCookie(t *testing.T) {
	svc := &auth.Service{SecureCookies: true}
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/connexion", nil)
	svc.SetSessionCookie(w, r, "x", &domain.Session{AbsoluteExpires: time.Now().Add(time.Hour)})
	sc := w.Header().Get("Set-Cookie")
	for _, want := range []string{"Secure", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
}
