package domain

import (
	"context"
	"encoding/json"
	"net/mail"
	"strings"
	"time"
)

// Organisation is a party of the instance (a CAF, a commune, an
// association...). It is linked to the actor record that describes it.
// Organisation 1 (InstanceOrganisation) is the instance itself.
type Organisation struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	ActorID   int64     `json:"actor_id,omitempty"` // 0: not linked
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// Validate checks an organisation's fields.
func (o *Organisation) Validate() error {
	var v Validation
	o.Name = strings.TrimSpace(o.Name)
	if o.Name == "" {
		v.Add("name", "obligatoire")
	}
	if o.ActorID < 0 {
		v.Add("actor_id", "identifiant d'acteur invalide %d", o.ActorID)
	}
	return v.Err()
}

// User is a person with an account. The password hash never leaves the store
// in JSON.
type User struct {
	ID           int64      `json:"id"`
	Email        string     `json:"email"` // unique, compared case-insensitively (stored lower-case)
	Name         string     `json:"name"`
	PasswordHash string     `json:"-"` // argon2id PHC string; "" until the invitation is accepted
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	LastLoginAt  *time.Time `json:"last_login_at,omitempty"`
	Version      int64      `json:"version"`
}

// NormalizeEmail trims and lower-cases an address (emails are unique
// case-insensitively).
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidEmail reports whether s looks like a plain address (no display name).
func ValidEmail(s string) bool {
	if s == "" || len(s) > 254 || strings.ContainsAny(s, " <>\"\r\n") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".")
}

// Validate checks a user's fields and normalises the email.
func (u *User) Validate() error {
	var v Validation
	u.Email = NormalizeEmail(u.Email)
	u.Name = strings.TrimSpace(u.Name)
	if !ValidEmail(u.Email) {
		v.Add("email", "adresse électronique invalide %q", u.Email)
	}
	return v.Err()
}

// Membership gives a user a role in an organisation.
type Membership struct {
	UserID    int64     `json:"user_id"`
	OrgID     int64     `json:"org_id"`
	OrgName   string    `json:"org_name,omitempty"` // filled on read
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// ValidRole reports whether r is a role a membership may carry (every role
// but the public).
func ValidRole(r string) bool {
	switch r {
	case RoleAdmin, RoleCAFStaff, RolePartnerEditor, RolePartnerReader, RoleObserver:
		return true
	}
	return false
}

// Invitation is a one-time link that lets a person set their password and
// join an organisation with a role. Only the SHA-256 of its token is stored.
type Invitation struct {
	ID        int64      `json:"id"`
	Email     string     `json:"email"`
	OrgID     int64      `json:"org_id"`
	Role      string     `json:"role"`
	TokenHash string     `json:"-"`
	CreatedBy int64      `json:"created_by,omitempty"` // user id; 0 for the command line
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at,omitempty"`
}

// Session is a server-side session. Only the SHA-256 of the cookie value is
// stored. CSRF is the per-session token that HTML forms carry.
type Session struct {
	IDHash          string    `json:"-"`
	UserID          int64     `json:"user_id"`
	OrgID           int64     `json:"org_id"` // the organisation the person acts for
	CSRF            string    `json:"-"`
	CreatedAt       time.Time `json:"created_at"`
	LastSeen        time.Time `json:"last_seen"`
	IdleExpires     time.Time `json:"idle_expires"`
	AbsoluteExpires time.Time `json:"absolute_expires"`
	Address         string    `json:"address"`
}

// APIToken is a personal token for scripts, with the rights of its owner in
// one organisation. Only the SHA-256 of the token is stored; the token is
// shown once, at creation.
type APIToken struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	OrgID     int64      `json:"org_id"`
	Name      string     `json:"name"`
	Hash      string     `json:"-"`
	Prefix    string     `json:"prefix"` // first characters, to recognise it in a list
	CreatedAt time.Time  `json:"created_at"`
	LastUsed  *time.Time `json:"last_used,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	ID       int64           `json:"id"`
	At       time.Time       `json:"at"`
	UserID   int64           `json:"user_id,omitempty"` // 0: the command line or the bootstrap token
	OrgID    int64           `json:"org_id,omitempty"`
	Via      string          `json:"via,omitempty"`
	Action   string          `json:"action"` // create, update, delete, login, login_failed, export...
	Kind     string          `json:"kind"`   // actor, action, funding, user, session...
	RecordID string          `json:"record_id,omitempty"`
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
	Address  string          `json:"address,omitempty"`
	Detail   string          `json:"detail,omitempty"`
}

// AuditFilter selects audit entries (newest first).
type AuditFilter struct {
	UserID int64
	OrgID  int64
	Kind   string
	Action string
	Since  time.Time
	Until  time.Time
	Offset int
	Limit  int
}

// LoginAttempts is the failure record of one throttling key (an account or
// an address).
type LoginAttempts struct {
	Key         string    `json:"key"`
	Failures    int       `json:"failures"`
	LastFailure time.Time `json:"last_failure"`
	LockedUntil time.Time `json:"locked_until"`
}

// AccountStore keeps organisations, people, memberships, invitations,
// sessions, API tokens, partnerships, login throttling and the audit log.
type AccountStore interface {
	CreateOrganisation(ctx context.Context, o *Organisation) error
	Organisation(ctx context.Context, id int64) (*Organisation, error)
	Organisations(ctx context.Context) ([]Organisation, error)
	UpdateOrganisation(ctx context.Context, o *Organisation) error // checks o.Version

	// CreateUser fails with ECONFLICT when the email is taken (any case).
	CreateUser(ctx context.Context, u *User) error
	User(ctx context.Context, id int64) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	Users(ctx context.Context) ([]User, error)
	SetPassword(ctx context.Context, userID int64, hash string) error
	SetLastLogin(ctx context.Context, userID int64, at time.Time) error
	// DeleteUser removes the person, their memberships, sessions, tokens and
	// pending invitations. Records they created stay, owned by their
	// organisation; the audit log keeps their id.
	DeleteUser(ctx context.Context, id int64) error

	PutMembership(ctx context.Context, m Membership) error // creates or changes the role
	DeleteMembership(ctx context.Context, userID, orgID int64) error
	Memberships(ctx context.Context, userID int64) ([]Membership, error)
	OrgMembers(ctx context.Context, orgID int64) ([]Membership, error)

	CreateInvitation(ctx context.Context, inv *Invitation) error
	InvitationByHash(ctx context.Context, hash string) (*Invitation, error)
	// UseInvitation marks it used; ECONFLICT when it already was (one-time).
	UseInvitation(ctx context.Context, id int64, at time.Time) error

	CreateSession(ctx context.Context, s *Session) error
	SessionByHash(ctx context.Context, hash string) (*Session, error)
	TouchSession(ctx context.Context, hash string, lastSeen, idleExpires time.Time) error
	SetSessionOrg(ctx context.Context, hash string, orgID int64) error
	DeleteSession(ctx context.Context, hash string) error
	DeleteUserSessions(ctx context.Context, userID int64) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)

	CreateAPIToken(ctx context.Context, t *APIToken) error
	APITokenByHash(ctx context.Context, hash string) (*APIToken, error)
	APITokens(ctx context.Context, userID int64) ([]APIToken, error)
	// RevokeAPIToken revokes one of the user's tokens (ENOTFOUND for another's).
	RevokeAPIToken(ctx context.Context, userID, id int64, at time.Time) error
	TouchAPIToken(ctx context.Context, id int64, at time.Time) error

	// Partnerships are symmetric.
	AddPartnership(ctx context.Context, a, b int64) error
	RemovePartnership(ctx context.Context, a, b int64) error
	Partners(ctx context.Context, org int64) ([]int64, error)

	// AppendAudit adds a line to the audit log; there is no way to change or
	// remove one.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	Audit(ctx context.Context, f AuditFilter) (Page[AuditEntry], error)

	LoginAttempts(ctx context.Context, key string) (LoginAttempts, error)
	PutLoginAttempts(ctx context.Context, a LoginAttempts) error
	ResetLoginAttempts(ctx context.Context, key string) error
}
