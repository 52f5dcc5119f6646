package domain

import "context"

// Roles of a person in an organisation (the accounts issue defines the
// policy; RoleAdmin is also what the bootstrap admin token grants).
const (
	RoleAdmin         = "admin"
	RoleCAFStaff      = "caf_staff"
	RolePartnerEditor = "partner_editor"
	RolePartnerReader = "partner_reader"
	RoleObserver      = "observer"
	RolePublic        = "public" // no account
)

// Principal is who makes a request: a signed-in person acting for one of
// their organisations, a script with an API token, or the public (nil).
type Principal struct {
	UserID int64  `json:"user_id"`
	Email  string `json:"email,omitempty"`
	OrgID  int64  `json:"org_id"`
	Role   string `json:"role"`
	// Via says how the request authenticated: "session", "token", "admin_token".
	Via string `json:"via"`
	// Partners lists the organisations that share "partners" records with
	// OrgID (filled by the auth middleware; see internal/auth).
	Partners []int64 `json:"partners,omitempty"`
}

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the request's principal, or nil for the public.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// HasPrincipal reports whether ctx went through authentication (an HTTP
// request: the auth middleware always records a principal, nil for the
// public). A context without one is a trusted internal caller (command
// line, jobs, tests): the store does not filter its reads by visibility.
func HasPrincipal(ctx context.Context) bool {
	_, ok := ctx.Value(principalKey{}).(*Principal)
	return ok
}
