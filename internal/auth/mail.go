package auth

// Invitation mails: when an SMTP server is configured (maillage serve,
// user invite, user create --smtp-addr ...), an invitation's link is also
// sent by mail. The link is still shown to whoever created the invitation;
// a failed send leaves the invitation valid and is reported and audited.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"

	"maillage/internal/domain"
)

// PasswordEnv is the environment variable holding the SMTP password.
const PasswordEnv = "MAILLAGE_SMTP_PASSWORD"

// InvitationSubject is the subject of invitation mails.
const InvitationSubject = "Invitation à rejoindre Maillage"

// Mailer sends mail through one SMTP server (RFC 5321) with net/smtp:
// STARTTLS whenever the server offers it (implicit TLS on port 465), PLAIN
// authentication only over TLS or to this machine.
type Mailer struct {
	Addr     string // host:port
	From     string // envelope and header sender
	User     string // "" : no authentication
	Password string
	// Timeout bounds a whole send (0: 30 s).
	Timeout time.Duration
	// RootCAs verifies the server's certificate (nil: the system's).
	RootCAs *x509.CertPool
	// LocalName is the name given in EHLO (default "localhost").
	LocalName string
}

// NewMailer checks an SMTP configuration and returns its mailer; nil (and
// no error) when addr is empty: no SMTP server, no mail.
func NewMailer(addr, from, user, password string) (*Mailer, error) {
	if addr == "" {
		if from != "" || user != "" {
			return nil, domain.Errorf(domain.EINVALID, "--smtp-from et --smtp-user demandent --smtp-addr (serveur SMTP HÔTE:PORT).")
		}
		return nil, nil
	}
	var v domain.Validation
	if host, port, err := net.SplitHostPort(addr); err != nil || host == "" || port == "" {
		v.Add("smtp-addr", "adresse du serveur SMTP attendue sous la forme HÔTE:PORT (ex. smtp.caf18.fr:587), reçu %q", addr)
	}
	if a, err := mail.ParseAddress(from); err != nil || a.Name != "" || !domain.ValidEmail(a.Address) {
		v.Add("smtp-from", "adresse d'expédition invalide %q (ex. maillage@caf18.fr)", from)
	}
	if user != "" && password == "" {
		v.Add("smtp-user", "mot de passe SMTP manquant : définissez la variable d'environnement %s", PasswordEnv)
	}
	if strings.ContainsAny(user+password, "\r\n") {
		v.Add("smtp-user", "identifiant ou mot de passe SMTP invalide (retour à la ligne)")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return &Mailer{Addr: addr, From: from, User: user, Password: password}, nil
}

// Send sends a plain-text UTF-8 message to one recipient.
func (m *Mailer) Send(ctx context.Context, to, subject, body string) error {
	if _, err := mail.ParseAddress(to); err != nil || strings.ContainsAny(to, "\r\n<>") {
		return fmt.Errorf("adresse du destinataire invalide %q", to)
	}
	timeout := m.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, port, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return fmt.Errorf("adresse du serveur SMTP invalide %q", m.Addr)
	}
	tlsConf := &tls.Config{ServerName: host, RootCAs: m.RootCAs, MinVersion: tls.VersionTLS12}
	d := net.Dialer{}
	var conn net.Conn
	if port == "465" {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tlsConf}).DialContext(ctx, "tcp", m.Addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", m.Addr)
	}
	if err != nil {
		return fmt.Errorf("connexion au serveur SMTP %s impossible : %w", m.Addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("serveur SMTP %s : %w", m.Addr, err)
	}
	defer c.Close()
	local := m.LocalName
	if local == "" {
		local = "localhost"
	}
	if err := c.Hello(local); err != nil {
		return fmt.Errorf("serveur SMTP %s (EHLO) : %w", m.Addr, err)
	}
	_, isTLS := conn.(*tls.Conn)
	if !isTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConf); err != nil {
				return fmt.Errorf("serveur SMTP %s (STARTTLS) : %w", m.Addr, err)
			}
			isTLS = true
		}
	}
	if m.User != "" {
		if !isTLS && !isLocalhost(host) {
			return fmt.Errorf("serveur SMTP %s : il ne propose pas STARTTLS, le mot de passe ne sera pas envoyé en clair", m.Addr)
		}
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("serveur SMTP %s : il ne propose pas d'authentification (AUTH) alors que --smtp-user est donné", m.Addr)
		}
		if err := c.Auth(smtp.PlainAuth("", m.User, m.Password, host)); err != nil {
			return fmt.Errorf("serveur SMTP %s : authentification refusée : %w", m.Addr, err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return fmt.Errorf("serveur SMTP %s (MAIL FROM) : %w", m.Addr, err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("serveur SMTP %s : destinataire %s refusé : %w", m.Addr, to, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("serveur SMTP %s (DATA) : %w", m.Addr, err)
	}
	if _, err := w.Write(m.message(to, subject, body)); err != nil {
		return fmt.Errorf("serveur SMTP %s : envoi du message : %w", m.Addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("serveur SMTP %s : message refusé : %w", m.Addr, err)
	}
	_ = c.Quit()
	return nil
}

func isLocalhost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// message formats the message: UTF-8 text, quoted-printable, CRLF lines.
func (m *Mailer) message(to, subject, body string) []byte {
	var b bytes.Buffer
	id := make([]byte, 12)
	rand.Read(id)
	domainPart := m.From[strings.LastIndexByte(m.From, '@')+1:]
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", (&mail.Address{Name: "Maillage", Address: m.From}).String())
	hdr("To", to)
	hdr("Subject", mime.QEncoding.Encode("utf-8", subject))
	hdr("Date", time.Now().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+hex.EncodeToString(id)+"@"+domainPart+">")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "quoted-printable")
	hdr("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")))
	qp.Close()
	return b.Bytes()
}

// MailResult is the outcome of an invitation mail.
type MailResult struct {
	Sent  bool   `json:"sent"`
	To    string `json:"to"`
	Error string `json:"error,omitempty"` // in French, for the administrator
}

// Message is a French sentence for whoever created the invitation.
func (r *MailResult) Message() string {
	if r == nil {
		return "Aucun serveur SMTP n'est configuré : transmettez vous-même le lien."
	}
	if r.Sent {
		return "Le lien a été envoyé par courriel à " + r.To + "."
	}
	return "L'envoi du courriel à " + r.To + " a échoué (" + r.Error + ") : l'invitation reste valable, transmettez vous-même le lien."
}

var roleLabels = map[string]string{
	domain.RoleAdmin:         "administrateur",
	domain.RoleCAFStaff:      "personnel de la CAF",
	domain.RolePartnerEditor: "partenaire (contributeur)",
	domain.RolePartnerReader: "partenaire (lecteur)",
	domain.RoleObserver:      "observateur",
}

// paris is where expiry times are written for people (French instance).
var paris = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Paris"); err == nil {
		return l
	}
	return time.UTC
}()

// InvitationMailBody is the French plain-text invitation message.
func InvitationMailBody(orgName, role, link string, expires time.Time) string {
	label := roleLabels[role]
	if label == "" {
		label = role
	}
	orgName = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, orgName)
	e := expires.In(paris)
	zone := "heure de Paris"
	if paris == time.UTC {
		zone = "UTC"
	}
	return fmt.Sprintf(`Bonjour,

Vous êtes invité·e à rejoindre l'organisation « %s » sur Maillage, avec le rôle %s.

Pour activer votre accès et choisir votre mot de passe, ouvrez ce lien :

%s

Ce lien ne sert qu'une fois et expire le %s à %s (%s).
Si vous n'attendiez pas cette invitation, ignorez ce message : sans le lien, aucun compte n'est créé.

-- 
Maillage (message automatique, merci de ne pas y répondre)
`, orgName, label, link, e.Format("02/01/2006"), e.Format("15:04"), zone)
}

type mailerKey struct{}
type baseURLKey struct{}

// WithMailer records the mailer in ctx (the middleware does it, so that
// invitations created by any handler are mailed).
func WithMailer(ctx context.Context, m *Mailer) context.Context {
	return context.WithValue(ctx, mailerKey{}, m)
}

// WithBaseURL records the public address of the instance in ctx
// ("https://maillage.example.fr"), used for links in mails.
func WithBaseURL(ctx context.Context, base string) context.Context {
	return context.WithValue(ctx, baseURLKey{}, strings.TrimRight(base, "/"))
}

func (s *Service) mailer(ctx context.Context) *Mailer {
	if s.Mailer != nil {
		return s.Mailer
	}
	m, _ := ctx.Value(mailerKey{}).(*Mailer)
	return m
}

func (s *Service) baseURL(ctx context.Context) string {
	if s.BaseURL != "" {
		return strings.TrimRight(s.BaseURL, "/")
	}
	b, _ := ctx.Value(baseURLKey{}).(string)
	return b
}

// mailInvitation sends the invitation link when a mailer is configured
// (nil result otherwise), and audits the outcome.
func (s *Service) mailInvitation(ctx context.Context, inv *domain.Invitation, link string) *MailResult {
	m := s.mailer(ctx)
	if m == nil {
		return nil
	}
	orgName := ""
	if o, err := s.Accounts.Organisation(ctx, inv.OrgID); err == nil {
		orgName = o.Name
	}
	res := &MailResult{To: inv.Email}
	err := m.Send(ctx, inv.Email, InvitationSubject, InvitationMailBody(orgName, inv.Role, link, inv.ExpiresAt))
	e := &domain.AuditEntry{Kind: "invitation", RecordID: itoa(inv.ID),
		After: toJSON(map[string]string{"to": inv.Email, "smtp": m.Addr})}
	if err != nil {
		res.Error = err.Error()
		e.Action, e.Detail = "invitation_mail_failed", res.Error
		if s.Log != nil {
			s.Log.Error("courriel d'invitation", "err", err, "invitation", inv.ID, "smtp", m.Addr)
		}
	} else {
		res.Sent = true
		e.Action = "invitation_mail"
	}
	s.audit(ctx, e)
	return res
}
