package auth

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"maillage/internal/domain"
)

// Session lifetimes.
const (
	IdleTimeout     = 2 * time.Hour
	AbsoluteTimeout = 12 * time.Hour
	InvitationTTL   = 7 * 24 * time.Hour
	// touchEvery bounds the writes of last-seen times (sessions, tokens).
	touchEvery = time.Minute
)

// Messages people see; identical whatever the cause, so that they tell
// nothing about which accounts exist.
var (
	ErrBadCredentials = domain.Errorf(domain.EUNAUTHORIZED, "Adresse électronique ou mot de passe incorrect.")
	ErrBadInvitation  = domain.Errorf(domain.ENOTFOUND, "Ce lien d'invitation est invalide, a expiré ou a déjà servi. Demandez une nouvelle invitation.")
	ErrBadToken       = domain.Errorf(domain.EUNAUTHORIZED, "Jeton d'accès invalide ou révoqué.")
	ErrSignedOut      = domain.Errorf(domain.EUNAUTHORIZED, "Connectez-vous pour continuer.")
)

// Service holds the accounts rules over an AccountStore.
type Service struct {
	Accounts domain.AccountStore
	Throttle *Throttle
	Now      func() time.Time
	Log      *slog.Logger
	// SecureCookies marks cookies Secure (set when serving TLS or with --secure-cookies).
	SecureCookies bool
	// BaseURL prefixes invitation links ("https://maillage.example.fr");
	// empty: the address recorded in the context (WithBaseURL).
	BaseURL string
	// Mailer sends invitation links by mail (nil: the one recorded in the
	// context by WithMailer, if any; none: no mail).
	Mailer *Mailer
	// Fallback authenticators are asked for bearer tokens that are not
	// personal API tokens (the bootstrap admin token: api.AdminToken).
	Fallback []Authenticator

	shared *sharedWork // see UseSharedWork
}

// Authenticator has the shape of api.Authenticator.
type Authenticator interface {
	Authenticate(r *http.Request) (*domain.Principal, error)
}

// NewService returns a service with the default throttle.
func NewService(a domain.AccountStore) *Service {
	return &Service{Accounts: a, Throttle: NewThrottle(a), Now: time.Now, Log: slog.Default()}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// principalFor builds the principal of a user acting for org: their role in
// it (the public role when they have none) and the org's partners.
func (s *Service) principalFor(ctx context.Context, u *domain.User, orgID int64, via string) (*domain.Principal, error) {
	ms, err := s.Accounts.Memberships(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	p := &domain.Principal{UserID: u.ID, Email: u.Email, OrgID: orgID, Role: domain.RolePublic, Via: via}
	for _, m := range ms {
		if m.OrgID == orgID {
			p.Role = m.Role
		}
	}
	if p.Role == domain.RolePublic {
		p.OrgID = 0
		return p, nil
	}
	if p.Partners, err = s.partners(ctx, orgID); err != nil {
		return nil, err
	}
	return p, nil
}

// defaultOrg picks the organisation a person acts for at login: where they
// are administrator, else their first membership.
func defaultOrg(ms []domain.Membership) int64 {
	for _, m := range ms {
		if m.Role == domain.RoleAdmin {
			return m.OrgID
		}
	}
	if len(ms) > 0 {
		return ms[0].OrgID
	}
	return 0
}

// Login checks an email and password (throttled per account and per
// address) and opens a new session. It returns the session and the cookie
// value (shown to the browser only).
func (s *Service) Login(ctx context.Context, email, password, addr string) (*domain.Session, string, error) {
	email = domain.NormalizeEmail(email)
	if err := s.Throttle.Before(ctx, email, addr); err != nil {
		s.audit(ctx, &domain.AuditEntry{Action: "login_locked", Kind: "session", Detail: email, Address: addr})
		return nil, "", err
	}
	u, err := s.Accounts.UserByEmail(ctx, email)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return nil, "", err
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	if !VerifyPassword(hash, password) { // runs a dummy hash when there is no account
		if err := s.Throttle.Failed(ctx, email, addr); err != nil {
			return nil, "", err
		}
		e := &domain.AuditEntry{Action: "login_failed", Kind: "session", Detail: email, Address: addr}
		if u != nil {
			e.UserID = u.ID
		}
		s.audit(ctx, e)
		return nil, "", ErrBadCredentials
	}
	if err := s.Throttle.Succeeded(ctx, email); err != nil {
		return nil, "", err
	}
	if NeedsRehash(u.PasswordHash) {
		if h, err := HashPassword(password); err == nil {
			_ = s.Accounts.SetPassword(ctx, u.ID, h)
		}
	}
	ms, err := s.Accounts.Memberships(ctx, u.ID)
	if err != nil {
		return nil, "", err
	}
	se, tok, err := s.newSession(ctx, u.ID, defaultOrg(ms), addr)
	if err != nil {
		return nil, "", err
	}
	_ = s.Accounts.SetLastLogin(ctx, u.ID, se.CreatedAt)
	// Expired sessions are purged at logins (no background job needed on
	// a single server; every server of a PostgreSQL deployment does it).
	_, _ = s.Accounts.DeleteExpiredSessions(ctx, se.CreatedAt)
	s.audit(ctx, &domain.AuditEntry{UserID: u.ID, OrgID: se.OrgID, Via: "session", Action: "login", Kind: "session", Address: addr})
	return se, tok, nil
}

// newSession always makes a fresh random id: a cookie presented before
// login is never adopted (no session fixation).
func (s *Service) newSession(ctx context.Context, userID, orgID int64, addr string) (*domain.Session, string, error) {
	tok, hash := NewToken(PrefixSession)
	csrf, _ := NewToken("")
	now := s.now()
	se := &domain.Session{IDHash: hash, UserID: userID, OrgID: orgID, CSRF: csrf, CreatedAt: now, LastSeen: now,
		IdleExpires: now.Add(IdleTimeout), AbsoluteExpires: now.Add(AbsoluteTimeout), Address: addr}
	if err := s.Accounts.CreateSession(ctx, se); err != nil {
		return nil, "", err
	}
	return se, tok, nil
}

// Logout ends the session with this cookie value.
func (s *Service) Logout(ctx context.Context, token string) error {
	se, err := s.Accounts.SessionByHash(ctx, HashToken(token))
	if err != nil {
		return nil
	}
	s.audit(ctx, &domain.AuditEntry{UserID: se.UserID, OrgID: se.OrgID, Via: "session", Action: "logout", Kind: "session"})
	return s.Accounts.DeleteSession(ctx, se.IDHash)
}

// SessionPrincipal returns the principal and session for a cookie value, or
// ErrSignedOut when it is unknown or expired (an expired session is deleted).
func (s *Service) SessionPrincipal(ctx context.Context, token string) (*domain.Principal, *domain.Session, error) {
	if !WellFormed(token, PrefixSession) {
		return nil, nil, ErrSignedOut
	}
	se, err := s.Accounts.SessionByHash(ctx, HashToken(token))
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return nil, nil, ErrSignedOut
		}
		return nil, nil, err
	}
	now := s.now()
	if !now.Before(se.IdleExpires) || !now.Before(se.AbsoluteExpires) {
		_ = s.Accounts.DeleteSession(ctx, se.IDHash)
		return nil, nil, ErrSignedOut
	}
	if now.Sub(se.LastSeen) >= touchEvery {
		se.LastSeen, se.IdleExpires = now, now.Add(IdleTimeout)
		if err := s.Accounts.TouchSession(ctx, se.IDHash, se.LastSeen, se.IdleExpires); err != nil {
			return nil, nil, err
		}
	}
	u, err := s.Accounts.User(ctx, se.UserID)
	if err != nil {
		return nil, nil, ErrSignedOut
	}
	p, err := s.principalFor(ctx, u, se.OrgID, "session")
	return p, se, err
}

// SwitchOrg makes the session act for another organisation the person belongs to.
func (s *Service) SwitchOrg(ctx context.Context, se *domain.Session, orgID int64) error {
	ms, err := s.Accounts.Memberships(ctx, se.UserID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.OrgID == orgID {
			return s.Accounts.SetSessionOrg(ctx, se.IDHash, orgID)
		}
	}
	return domain.NotFound("organisation", itoa(orgID))
}

// TokenPrincipal returns the principal of a personal API token: its owner
// with their current role in the token's organisation.
func (s *Service) TokenPrincipal(ctx context.Context, token string) (*domain.Principal, error) {
	if !WellFormed(token, PrefixAPIToken) {
		return nil, ErrBadToken
	}
	t, err := s.Accounts.APITokenByHash(ctx, HashToken(token))
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return nil, ErrBadToken
		}
		return nil, err
	}
	if t.RevokedAt != nil {
		return nil, ErrBadToken
	}
	u, err := s.Accounts.User(ctx, t.UserID)
	if err != nil {
		return nil, ErrBadToken
	}
	p, err := s.principalFor(ctx, u, t.OrgID, "token")
	if err != nil {
		return nil, err
	}
	if p.Role == domain.RolePublic {
		return nil, ErrBadToken // the owner left the organisation
	}
	now := s.now()
	if t.LastUsed == nil || now.Sub(*t.LastUsed) >= touchEvery {
		_ = s.Accounts.TouchAPIToken(ctx, t.ID, now)
	}
	return p, nil
}

// CreateAPIToken makes a personal token for p's user and organisation; the
// token is returned once.
func (s *Service) CreateAPIToken(ctx context.Context, p *domain.Principal, name string) (string, *domain.APIToken, error) {
	if p == nil || p.UserID == 0 {
		return "", nil, ErrSignedOut
	}
	var v domain.Validation
	if name == "" || len(name) > 100 {
		v.Add("name", "obligatoire (100 caractères au plus)")
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	tok, hash := NewToken(PrefixAPIToken)
	t := &domain.APIToken{UserID: p.UserID, OrgID: p.OrgID, Name: name, Hash: hash, Prefix: tok[:8], CreatedAt: s.now()}
	if err := s.Accounts.CreateAPIToken(ctx, t); err != nil {
		return "", nil, err
	}
	s.Audit(ctx, "token_create", "api_token", itoa(t.ID), nil, t)
	return tok, t, nil
}

// RevokeAPIToken revokes one of p's tokens.
func (s *Service) RevokeAPIToken(ctx context.Context, p *domain.Principal, id int64) error {
	if p == nil || p.UserID == 0 {
		return ErrSignedOut
	}
	if err := s.Accounts.RevokeAPIToken(ctx, p.UserID, id, s.now()); err != nil {
		return err
	}
	s.Audit(ctx, "token_revoke", "api_token", itoa(id), nil, nil)
	return nil
}

// CreateUser creates an account (command line and administrators). With a
// password it is usable at once; without, the caller sends an invitation.
func (s *Service) CreateUser(ctx context.Context, email, name, password string, orgID int64, role string) (*domain.User, error) {
	u := &domain.User{Email: email, Name: name}
	if password != "" {
		if err := CheckPasswordStrength(password); err != nil {
			var v domain.Validation
			v.Add("password", "%s", err.Error())
			return nil, v.Err()
		}
		h, err := HashPassword(password)
		if err != nil {
			return nil, err
		}
		u.PasswordHash = h
	}
	if !domain.ValidRole(role) {
		var v domain.Validation
		v.Add("role", "rôle inconnu %q", role)
		return nil, v.Err()
	}
	if _, err := s.Accounts.Organisation(ctx, orgID); err != nil {
		return nil, err
	}
	if err := s.Accounts.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	if err := s.Accounts.PutMembership(ctx, domain.Membership{UserID: u.ID, OrgID: orgID, Role: role}); err != nil {
		return nil, err
	}
	s.Audit(ctx, "create", "user", itoa(u.ID), nil, map[string]any{"email": u.Email, "org_id": orgID, "role": role})
	return u, nil
}

// Invite creates a one-time invitation and returns its token (for the
// link). When a mailer is configured, the link is also sent by mail (see
// InviteMail, which returns the outcome).
func (s *Service) Invite(ctx context.Context, email string, orgID int64, role string) (string, *domain.Invitation, error) {
	tok, inv, _, err := s.InviteMail(ctx, email, orgID, role, "")
	return tok, inv, err
}

// InviteMail creates a one-time invitation and, when a mailer is
// configured, sends its link (base + "/invitation/" + token; base "":
// BaseURL or the address recorded in ctx) by mail. The mail result is nil
// without a mailer; a failed send does not fail the invitation: it is in
// the result (and audited, action invitation_mail_failed).
func (s *Service) InviteMail(ctx context.Context, email string, orgID int64, role, base string) (string, *domain.Invitation, *MailResult, error) {
	tok, inv, err := s.invite(ctx, email, orgID, role)
	if err != nil {
		return "", nil, nil, err
	}
	if base == "" {
		base = s.baseURL(ctx)
	}
	return tok, inv, s.mailInvitation(ctx, inv, strings.TrimRight(base, "/")+"/invitation/"+tok), nil
}

func (s *Service) invite(ctx context.Context, email string, orgID int64, role string) (string, *domain.Invitation, error) {
	var v domain.Validation
	email = domain.NormalizeEmail(email)
	if !domain.ValidEmail(email) {
		v.Add("email", "adresse électronique invalide %q", email)
	}
	if !domain.ValidRole(role) {
		v.Add("role", "rôle inconnu %q (attendu : admin, caf_staff, partner_editor, partner_reader, observer)", role)
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	if _, err := s.Accounts.Organisation(ctx, orgID); err != nil {
		return "", nil, err
	}
	tok, hash := NewToken(PrefixInvitation)
	now := s.now()
	inv := &domain.Invitation{Email: email, OrgID: orgID, Role: role, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)}
	if p := domain.PrincipalFrom(ctx); p != nil {
		inv.CreatedBy = p.UserID
	}
	if err := s.Accounts.CreateInvitation(ctx, inv); err != nil {
		return "", nil, err
	}
	s.Audit(ctx, "invite", "invitation", itoa(inv.ID), nil, inv)
	return tok, inv, nil
}

// InvitationURL is the link of an invitation token: under BaseURL, or the
// address recorded in ctx (WithBaseURL; the middleware records the
// request's).
func (s *Service) InvitationURL(ctx context.Context, token string) string {
	return s.baseURL(ctx) + "/invitation/" + token
}

// CheckInvitation returns the pending invitation of a token, or
// ErrBadInvitation whatever is wrong with it.
func (s *Service) CheckInvitation(ctx context.Context, token string) (*domain.Invitation, error) {
	if !WellFormed(token, PrefixInvitation) {
		return nil, ErrBadInvitation
	}
	inv, err := s.Accounts.InvitationByHash(ctx, HashToken(token))
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return nil, ErrBadInvitation
		}
		return nil, err
	}
	if inv.UsedAt != nil || !s.now().Before(inv.ExpiresAt) {
		return nil, ErrBadInvitation
	}
	return inv, nil
}

// AcceptInvitation uses an invitation: it creates the account (or, for an
// existing one, only adds the membership) and opens a session.
func (s *Service) AcceptInvitation(ctx context.Context, token, name, password, addr string) (*domain.Session, string, error) {
	inv, err := s.CheckInvitation(ctx, token)
	if err != nil {
		return nil, "", err
	}
	u, err := s.Accounts.UserByEmail(ctx, inv.Email)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return nil, "", err
	}
	needPassword := u == nil || u.PasswordHash == ""
	var hash string
	if needPassword {
		if err := CheckPasswordStrength(password); err != nil {
			var v domain.Validation
			v.Add("password", "%s", err.Error())
			return nil, "", v.Err()
		}
		if hash, err = HashPassword(password); err != nil {
			return nil, "", err
		}
	}
	if err := s.Accounts.UseInvitation(ctx, inv.ID, s.now()); err != nil {
		if domain.ErrorCode(err) == domain.ECONFLICT {
			return nil, "", ErrBadInvitation
		}
		return nil, "", err
	}
	if u == nil {
		u = &domain.User{Email: inv.Email, Name: name, PasswordHash: hash}
		if err := s.Accounts.CreateUser(ctx, u); err != nil {
			return nil, "", err
		}
	} else if needPassword {
		if err := s.Accounts.SetPassword(ctx, u.ID, hash); err != nil {
			return nil, "", err
		}
	}
	if err := s.Accounts.PutMembership(ctx, domain.Membership{UserID: u.ID, OrgID: inv.OrgID, Role: inv.Role}); err != nil {
		return nil, "", err
	}
	se, tok, err := s.newSession(ctx, u.ID, inv.OrgID, addr)
	if err != nil {
		return nil, "", err
	}
	s.audit(ctx, &domain.AuditEntry{UserID: u.ID, OrgID: inv.OrgID, Via: "session", Action: "invitation_accept", Kind: "invitation", RecordID: itoa(inv.ID), Address: addr})
	return se, tok, nil
}

// ChangePassword checks the current password, sets the new one, ends every
// session of the person and opens a new one (returned).
func (s *Service) ChangePassword(ctx context.Context, p *domain.Principal, current, next, addr string) (*domain.Session, string, error) {
	if p == nil || p.UserID == 0 {
		return nil, "", ErrSignedOut
	}
	u, err := s.Accounts.User(ctx, p.UserID)
	if err != nil {
		return nil, "", err
	}
	if !VerifyPassword(u.PasswordHash, current) {
		_ = s.Throttle.Failed(ctx, u.Email, addr)
		var v domain.Validation
		v.Add("current_password", "mot de passe actuel incorrect")
		return nil, "", v.Err()
	}
	if err := CheckPasswordStrength(next); err != nil {
		var v domain.Validation
		v.Add("new_password", "%s", err.Error())
		return nil, "", v.Err()
	}
	h, err := HashPassword(next)
	if err != nil {
		return nil, "", err
	}
	if err := s.Accounts.SetPassword(ctx, u.ID, h); err != nil {
		return nil, "", err
	}
	if err := s.Accounts.DeleteUserSessions(ctx, u.ID); err != nil {
		return nil, "", err
	}
	s.Audit(ctx, "password_change", "user", itoa(u.ID), nil, nil)
	return s.newSession(ctx, u.ID, p.OrgID, addr)
}

// PersonalData is what Maillage holds about a person (GDPR export).
type PersonalData struct {
	User        *domain.User        `json:"user"`
	Memberships []domain.Membership `json:"memberships"`
	APITokens   []domain.APIToken   `json:"api_tokens"`
	Audit       []domain.AuditEntry `json:"audit_log"`
	ExportedAt  time.Time           `json:"exported_at"`
	Note        string              `json:"note"`
}

// ExportPersonalData gathers a person's data.
func (s *Service) ExportPersonalData(ctx context.Context, userID int64) (*PersonalData, error) {
	u, err := s.Accounts.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	d := &PersonalData{User: u, ExportedAt: s.now(),
		Note: "Données personnelles détenues par Maillage à votre sujet : compte, appartenances, jetons d'API (sans leur secret) et journal d'audit de vos actions."}
	if d.Memberships, err = s.Accounts.Memberships(ctx, userID); err != nil {
		return nil, err
	}
	if d.APITokens, err = s.Accounts.APITokens(ctx, userID); err != nil {
		return nil, err
	}
	page, err := s.Accounts.Audit(ctx, domain.AuditFilter{UserID: userID, Limit: 10000})
	if err != nil {
		return nil, err
	}
	d.Audit = page.Items
	s.Audit(ctx, "export", "personal_data", itoa(userID), nil, nil)
	return d, nil
}

// DeleteAccount deletes a person's account after checking their password
// (administrators delete others' accounts with password "" through
// DeleteUser). Their records stay, owned by their organisation.
func (s *Service) DeleteAccount(ctx context.Context, p *domain.Principal, password string) error {
	if p == nil || p.UserID == 0 {
		return ErrSignedOut
	}
	u, err := s.Accounts.User(ctx, p.UserID)
	if err != nil {
		return err
	}
	if !VerifyPassword(u.PasswordHash, password) {
		var v domain.Validation
		v.Add("password", "mot de passe incorrect")
		return v.Err()
	}
	return s.DeleteUser(ctx, u.ID)
}

// DeleteUser removes an account (and its memberships, sessions, tokens).
func (s *Service) DeleteUser(ctx context.Context, id int64) error {
	u, err := s.Accounts.User(ctx, id)
	if err != nil {
		return err
	}
	if err := s.Accounts.DeleteUser(ctx, id); err != nil {
		return err
	}
	s.Audit(ctx, "account_delete", "user", itoa(id), map[string]any{"email": u.Email}, nil)
	return nil
}

// Audit appends an entry for the principal in ctx. before and after are
// marshalled to JSON. Failures are logged, not returned: the audit never
// hides the result of the action it records (writes of the data core are
// audited by Guard, which does return them).
func (s *Service) Audit(ctx context.Context, action, kind, id string, before, after any) {
	e := &domain.AuditEntry{Action: action, Kind: kind, RecordID: id, Before: toJSON(before), After: toJSON(after)}
	s.audit(ctx, e)
}

func (s *Service) audit(ctx context.Context, e *domain.AuditEntry) {
	if err := AppendAudit(ctx, s.Accounts, e); err != nil && s.Log != nil {
		s.Log.Error("audit", "err", err, "action", e.Action, "kind", e.Kind)
	}
}

// AppendAudit fills who and where from ctx (when not set) and appends e.
func AppendAudit(ctx context.Context, a domain.AccountStore, e *domain.AuditEntry) error {
	if p := domain.PrincipalFrom(ctx); p != nil {
		if e.UserID == 0 {
			e.UserID = p.UserID
		}
		if e.OrgID == 0 {
			e.OrgID = p.OrgID
		}
		if e.Via == "" {
			e.Via = p.Via
		}
	} else if e.Via == "" && !domain.HasPrincipal(ctx) {
		e.Via = "cli"
	}
	if e.Address == "" {
		e.Address = AddressFrom(ctx)
	}
	return a.AppendAudit(ctx, e)
}

func toJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	return b
}

type addressKey struct{}

// WithAddress records the client address in ctx (for the audit log).
func WithAddress(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, addressKey{}, addr)
}

// AddressFrom returns the client address recorded by WithAddress.
func AddressFrom(ctx context.Context) string {
	a, _ := ctx.Value(addressKey{}).(string)
	return a
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
