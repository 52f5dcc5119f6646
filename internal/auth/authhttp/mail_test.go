package authhttp_test

import (
	"encoding/json"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"maillage/internal/auth"
	"maillage/internal/auth/authhttp"
	"maillage/internal/auth/authtest"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

var mailLink = regexp.MustCompile(`https?://\S+/invitation/\S+`)

// readMail parses a received message: its decoded subject and body.
func readMail(t *testing.T, m authtest.SMTPMessage) (*mail.Message, string, string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatalf("message: %v\n%s", err, m.Data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject: %v", err)
	}
	if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(ct, "utf-8") {
		t.Errorf("Content-Type %q", ct)
	}
	var body io.Reader = msg.Body
	if msg.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	return msg, subject, string(b)
}

// TestInvitationMail sends invitations through a real SMTP listener
// (in-process, 127.0.0.1): from the JSON API with STARTTLS and AUTH PLAIN,
// from the web administration page, and to a server that refuses the
// recipient. The link in the mail accepts the invitation end to end.
func TestInvitationMail(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		svc := e.h.Service()
		admin := e.login(domain.RoleAdmin)

		t.Run("no_smtp_no_mail", func(t *testing.T) {
			res := admin.do("POST", "/api/v1/admin/invitations", map[string]any{"email": "sans-courriel@partenaire.test", "org_id": e.Partner, "role": "partner_reader"})
			if res.status != 201 {
				t.Fatalf("invite: %d %s", res.status, res.body)
			}
			var ni authhttp.NewInvitation
			must(t, json.Unmarshal(res.body, &ni))
			if ni.Mail != nil || !strings.Contains(ni.Message, "Aucun serveur SMTP") || ni.Link == "" {
				t.Errorf("without SMTP: %s", res.body)
			}
		})

		t.Run("api_starttls_auth", func(t *testing.T) {
			srv := authtest.StartSMTP(t, func(s *authtest.SMTPServer) { s.TLS, s.User, s.Password = true, "maillage", "secret smtp" })
			m, err := auth.NewMailer(srv.Addr, "maillage@caf.test", "maillage", "secret smtp")
			must(t, err)
			m.RootCAs = srv.RootCAs
			svc.Mailer = m
			defer func() { svc.Mailer = nil }()

			res := admin.do("POST", "/api/v1/admin/invitations", map[string]any{"email": "Invitee@Partenaire.test", "org_id": e.Partner, "role": "partner_editor"})
			if res.status != 201 {
				t.Fatalf("invite: %d %s", res.status, res.body)
			}
			var ni authhttp.NewInvitation
			must(t, json.Unmarshal(res.body, &ni))
			if ni.Mail == nil || !ni.Mail.Sent || ni.Mail.To != "invitee@partenaire.test" || !strings.Contains(ni.Message, "envoyé par courriel") {
				t.Fatalf("mail result: %s", res.body)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("%d messages received", len(msgs))
			}
			got := msgs[0]
			if !got.TLS || got.AuthUser != "maillage" {
				t.Errorf("message received without STARTTLS or AUTH: TLS %v, user %q", got.TLS, got.AuthUser)
			}
			if got.From != "maillage@caf.test" || len(got.To) != 1 || got.To[0] != "invitee@partenaire.test" {
				t.Errorf("envelope: from %q to %v", got.From, got.To)
			}
			msg, subject, body := readMail(t, got)
			if subject != "Invitation à rejoindre Maillage" {
				t.Errorf("subject %q", subject)
			}
			if to := msg.Header.Get("To"); to != "invitee@partenaire.test" {
				t.Errorf("To: %q", to)
			}
			for _, want := range []string{"Bonjour", "partenaire (contributeur)", "expire le", "ne sert qu'une fois"} {
				if !strings.Contains(body, want) {
					t.Errorf("mail body lacks %q:\n%s", want, body)
				}
			}
			link := mailLink.FindString(body)
			if link == "" || link != ni.Link {
				t.Fatalf("link in the mail %q, shown to the administrator %q", link, ni.Link)
			}
			// the link in the mail accepts the invitation (HTML page)
			anon := e.anon()
			u, _ := url.Parse(link)
			if r := anon.do("GET", u.Path, nil); r.status != 200 || !strings.Contains(r.String(), "invitee@partenaire.test") {
				t.Fatalf("invitation page: %d %.300s", r.status, r.body)
			}
			r := anon.do("POST", u.Path, url.Values{"name": {"Invitée"}, "password": {"le mot de passe choisi"}}.Encode())
			if r.status != http.StatusSeeOther {
				t.Fatalf("accept: %d %.300s", r.status, r.body)
			}
			me := anon.do("GET", "/api/v1/auth/me", nil)
			var info authhttp.Me
			must(t, json.Unmarshal(me.body, &info))
			if me.status != 200 || info.Principal == nil || info.Principal.Role != domain.RolePartnerEditor || info.Principal.OrgID != e.Partner {
				t.Fatalf("after acceptance: %d %s", me.status, me.body)
			}
			if r := e.anon().do("POST", "/api/v1/auth/login", map[string]string{"email": "invitee@partenaire.test", "password": "le mot de passe choisi"}); r.status != 200 {
				t.Errorf("login with the chosen password: %d %s", r.status, r.body)
			}
			page, err := e.acc.Audit(bg, domain.AuditFilter{Action: "invitation_mail"})
			must(t, err)
			if len(page.Items) != 1 || page.Items[0].UserID != e.Users[domain.RoleAdmin] || page.Items[0].RecordID != itoaT(ni.Invitation.ID) {
				t.Errorf("audit of the mail: %+v", page.Items)
			}
		})

		t.Run("web_administration", func(t *testing.T) {
			srv := authtest.StartSMTP(t, nil)
			m, err := auth.NewMailer(srv.Addr, "maillage@caf.test", "", "")
			must(t, err)
			svc.Mailer = m
			defer func() { svc.Mailer = nil }()
			form := url.Values{"email": {"web@partenaire.test"}, "organisation": {itoaT(e.Partner)}, "role": {"partner_reader"}, auth.CSRFField: {admin.csrf}}
			r := admin.do("POST", "/administration/invitations", form.Encode())
			if r.status != 200 {
				t.Fatalf("web invite: %d %.500s", r.status, r.body)
			}
			shown := regexp.MustCompile(`id="lien-invitation" readonly value="([^"]+)"`).FindStringSubmatch(r.String())
			msgs := srv.Messages()
			if len(msgs) != 1 || shown == nil {
				t.Fatalf("%d messages, link shown %v", len(msgs), shown)
			}
			_, subject, body := readMail(t, msgs[0])
			if subject != auth.InvitationSubject || msgs[0].To[0] != "web@partenaire.test" {
				t.Errorf("subject %q to %v", subject, msgs[0].To)
			}
			if link := mailLink.FindString(body); link == "" || link != shown[1] {
				t.Errorf("link in the mail %q, on the page %q", link, shown[1])
			}
			if !strings.Contains(r.String(), "Le lien a été envoyé par courriel à web@partenaire.test.") {
				t.Errorf("the page does not say the link was mailed: %.2000s", r.String())
			}
		})

		t.Run("failed_send", func(t *testing.T) {
			srv := authtest.StartSMTP(t, func(s *authtest.SMTPServer) { s.RejectRcpt = true })
			m, err := auth.NewMailer(srv.Addr, "maillage@caf.test", "", "")
			must(t, err)
			svc.Mailer = m
			defer func() { svc.Mailer = nil }()
			res := admin.do("POST", "/api/v1/admin/invitations", map[string]any{"email": "refuse@partenaire.test", "org_id": e.Partner, "role": "partner_reader"})
			if res.status != 201 {
				t.Fatalf("invite: %d %s", res.status, res.body)
			}
			var ni authhttp.NewInvitation
			must(t, json.Unmarshal(res.body, &ni))
			if ni.Mail == nil || ni.Mail.Sent || !strings.Contains(ni.Mail.Error, "refusé") || !strings.Contains(ni.Message, "reste valable") || ni.Link == "" {
				t.Fatalf("failed send: %s", res.body)
			}
			tok := ni.Link[strings.LastIndex(ni.Link, "/")+1:]
			if _, err := svc.CheckInvitation(bg, tok); err != nil {
				t.Errorf("the invitation is not valid after a failed send: %v", err)
			}
			page, err := e.acc.Audit(bg, domain.AuditFilter{Action: "invitation_mail_failed"})
			must(t, err)
			if len(page.Items) != 1 || !strings.Contains(page.Items[0].Detail, "refusé") {
				t.Errorf("audit of the failure: %+v", page.Items)
			}
			// the web form says so, as a warning, and still shows the link
			form := url.Values{"email": {"refuse-web@partenaire.test"}, "organisation": {itoaT(e.Partner)}, "role": {"partner_reader"}, auth.CSRFField: {admin.csrf}}
			r := admin.do("POST", "/administration/invitations", form.Encode())
			if page := r.String(); r.status != 200 || !strings.Contains(page, "fr-alert--warning") || !strings.Contains(page, "a échoué") ||
				!strings.Contains(page, `id="lien-invitation" readonly value="http`) {
				t.Errorf("web invite with a failed send: %d %.2000s", r.status, page)
			}
			// an unreachable server: same, reported
			m.Addr = srv.Addr[:strings.LastIndexByte(srv.Addr, ':')] + ":1"
			res = admin.do("POST", "/api/v1/admin/invitations", map[string]any{"email": "injoignable@partenaire.test", "org_id": e.Partner, "role": "partner_reader"})
			must(t, json.Unmarshal(res.body, &ni))
			if res.status != 201 || ni.Mail == nil || ni.Mail.Sent || !strings.Contains(ni.Mail.Error, "connexion au serveur SMTP") {
				t.Errorf("unreachable server: %d %s", res.status, res.body)
			}
		})
	})
}

func TestNewMailer(t *testing.T) {
	for _, c := range []struct {
		addr, from, user, pw, want string
	}{
		{"", "", "", "", ""},
		{"", "x@caf.test", "", "", "demandent --smtp-addr"},
		{"smtp.caf.test", "x@caf.test", "", "", "HÔTE:PORT"},
		{"smtp.caf.test:587", "pas une adresse", "", "", "adresse d'expédition"},
		{"smtp.caf.test:587", "x@caf.test", "u", "", auth.PasswordEnv},
		{"smtp.caf.test:587", "x@caf.test", "u", "p", ""},
	} {
		m, err := auth.NewMailer(c.addr, c.from, c.user, c.pw)
		if c.want == "" {
			if err != nil || (c.addr == "") != (m == nil) {
				t.Errorf("%+v: %v %v", c, m, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c, err, c.want)
		}
	}
}

func itoaT(i int64) string { return strconv.FormatInt(i, 10) }
