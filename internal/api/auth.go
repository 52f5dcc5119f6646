package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"

	"maillage/internal/domain"
)

// Authenticator finds who makes a request. It returns (nil, nil) when the
// request carries no credentials it knows (the next authenticator is asked),
// a principal when they are valid, and an EUNAUTHORIZED error when they are
// not.
type Authenticator interface {
	Authenticate(r *http.Request) (*domain.Principal, error)
}

// authenticate asks the authenticators in order.
func (s *Server) authenticate(r *http.Request) (*domain.Principal, error) {
	for _, a := range s.opts.Authenticators {
		p, err := a.Authenticate(r)
		if err != nil || p != nil {
			return p, err
		}
	}
	if _, ok := bearerToken(r); ok {
		// A bearer token nobody recognised is an error, not the public.
		return nil, domain.Errorf(domain.EUNAUTHORIZED, "Jeton d'accès invalide.")
	}
	return nil, nil
}

// DefaultAuthorize is the policy until accounts exist: reads are open,
// writes need a principal.
func DefaultAuthorize(r *http.Request, p *domain.Principal, rt *Route) error {
	if rt.Write && p == nil {
		return domain.Errorf(domain.EUNAUTHORIZED,
			"Cette opération demande une authentification : en-tête « Authorization: Bearer <jeton d'administration> ».")
	}
	return nil
}

// SettingAdminTokenHash is the setting holding the SHA-256 (hex) of the
// admin token; the token itself is never stored.
const SettingAdminTokenHash = "admin_token_sha256"

// AdminTokenPrefix starts every admin token, so that it is recognisable in a
// leaked log or file.
const AdminTokenPrefix = "mla_"

// AdminToken authenticates "Authorization: Bearer <admin token>" as the
// instance administrator (Via "admin_token", Role admin, OrgID 1). The hash is
// read from the settings on each request that carries an admin token, so a
// rotation is seen at once by every server sharing the database.
type AdminToken struct {
	Settings domain.SettingStore
}

// Authenticate implements Authenticator.
func (a AdminToken) Authenticate(r *http.Request) (*domain.Principal, error) {
	tok, ok := bearerToken(r)
	if !ok || !strings.HasPrefix(tok, AdminTokenPrefix) {
		return nil, nil
	}
	stored, found, err := a.Settings.Setting(r.Context(), SettingAdminTokenHash)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(tok))
	if !found || subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(stored)) != 1 {
		return nil, domain.Errorf(domain.EUNAUTHORIZED, "Jeton d'administration invalide.")
	}
	return &domain.Principal{OrgID: domain.InstanceOrganisation, Role: domain.RoleAdmin, Via: "admin_token"}, nil
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// EnsureAdminToken creates the admin token when the instance has none and
// returns it (to be shown once); it returns "" when a token already exists.
func EnsureAdminToken(ctx context.Context, settings domain.SettingStore) (string, error) {
	_, found, err := settings.Setting(ctx, SettingAdminTokenHash)
	if err != nil || found {
		return "", err
	}
	return NewAdminToken(ctx, settings)
}

// NewAdminToken generates a new admin token (32 random bytes), stores its
// hash, replacing any previous one, and returns the token.
func NewAdminToken(ctx context.Context, settings domain.SettingStore) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	tok := AdminTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(tok))
	if err := settings.SetSetting(ctx, SettingAdminTokenHash, hex.EncodeToString(sum[:])); err != nil {
		return "", err
	}
	return tok, nil
}

// principalOrg is the organisation that owns what the principal creates.
func principalOrg(ctx context.Context) int64 {
	if p := domain.PrincipalFrom(ctx); p != nil && p.OrgID != 0 {
		return p.OrgID
	}
	return domain.InstanceOrganisation
}
