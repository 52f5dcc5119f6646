package sqldb

// Accounts storage (owned by the accounts work, internal/auth): implements
// domain.AccountStore over the tables of migrations 0010_accounts. Writes go
// to the write pool directly, not through Write: sessions, tokens and the
// audit log are not data, and must not move the data version.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"maillage/internal/domain"
)

var _ domain.AccountStore = (*DB)(nil)

const (
	qCreateOrganisation = `INSERT INTO organisations (name, actor_id, created_at, updated_at, version) VALUES (?, ?, ?, ?, 1) RETURNING id`
	orgCols             = `id, name, coalesce(actor_id, 0), created_at, updated_at, version`
	qOrganisation       = `SELECT ` + orgCols + ` FROM organisations WHERE id = ?`
	qOrganisations      = `SELECT ` + orgCols + ` FROM organisations ORDER BY id`
	qUpdateOrganisation = `UPDATE organisations SET name = ?, actor_id = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`

	userCols        = `id, email, name, password_hash, created_at, updated_at, last_login_at, version`
	qCreateUser     = `INSERT INTO users (email, name, password_hash, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, 1) RETURNING id`
	qUser           = `SELECT ` + userCols + ` FROM users WHERE id = ?`
	qUserByEmail    = `SELECT ` + userCols + ` FROM users WHERE lower(email) = lower(?)`
	qUsers          = `SELECT ` + userCols + ` FROM users ORDER BY id`
	qSetPassword    = `UPDATE users SET password_hash = ?, updated_at = ?, version = version + 1 WHERE id = ?`
	qSetLastLogin   = `UPDATE users SET last_login_at = ? WHERE id = ?`
	qDeleteUser     = `DELETE FROM users WHERE id = ?`
	qDeleteUserInvs = `DELETE FROM invitations WHERE lower(email) = lower(?)`

	qPutMembership    = `INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id, org_id) DO UPDATE SET role = excluded.role`
	qDeleteMembership = `DELETE FROM memberships WHERE user_id = ? AND org_id = ?`
	membershipCols    = `m.user_id, m.org_id, o.name, m.role, m.created_at`
	qMemberships      = `SELECT ` + membershipCols + ` FROM memberships m JOIN organisations o ON o.id = m.org_id WHERE m.user_id = ? ORDER BY m.org_id`
	qOrgMembers       = `SELECT ` + membershipCols + ` FROM memberships m JOIN organisations o ON o.id = m.org_id WHERE m.org_id = ? ORDER BY m.user_id`

	invitationCols      = `id, email, org_id, role, token_hash, created_by, created_at, expires_at, used_at`
	qCreateInvitation   = `INSERT INTO invitations (email, org_id, role, token_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`
	qInvitationByHash   = `SELECT ` + invitationCols + ` FROM invitations WHERE token_hash = ?`
	qUseInvitation      = `UPDATE invitations SET used_at = ? WHERE id = ? AND used_at IS NULL`
	sessionCols         = `id_hash, user_id, org_id, csrf, created_at, last_seen, idle_expires, absolute_expires, address`
	qCreateSession      = `INSERT INTO sessions (` + sessionCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qSessionByHash      = `SELECT ` + sessionCols + ` FROM sessions WHERE id_hash = ?`
	qTouchSession       = `UPDATE sessions SET last_seen = ?, idle_expires = ? WHERE id_hash = ?`
	qSetSessionOrg      = `UPDATE sessions SET org_id = ? WHERE id_hash = ?`
	qDeleteSession      = `DELETE FROM sessions WHERE id_hash = ?`
	qDeleteUserSessions = `DELETE FROM sessions WHERE user_id = ?`
	qDeleteExpired      = `DELETE FROM sessions WHERE idle_expires < ? OR absolute_expires < ?`

	tokenCols         = `id, user_id, org_id, name, token_hash, prefix, created_at, last_used, revoked_at`
	qCreateAPIToken   = `INSERT INTO api_tokens (user_id, org_id, name, token_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`
	qAPITokenByHash   = `SELECT ` + tokenCols + ` FROM api_tokens WHERE token_hash = ?`
	qAPITokens        = `SELECT ` + tokenCols + ` FROM api_tokens WHERE user_id = ? ORDER BY id`
	qRevokeAPIToken   = `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL`
	qAPITokenOf       = `SELECT count(*) FROM api_tokens WHERE id = ? AND user_id = ?`
	qTouchAPIToken    = `UPDATE api_tokens SET last_used = ? WHERE id = ?`
	qAddPartnership   = `INSERT INTO partnerships (org_a, org_b, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`
	qDelPartnership   = `DELETE FROM partnerships WHERE org_a = ? AND org_b = ?`
	qPartners         = `SELECT org_b FROM partnerships WHERE org_a = ? UNION SELECT org_a FROM partnerships WHERE org_b = ? ORDER BY 1`
	qAppendAudit      = `INSERT INTO audit_log (at, user_id, org_id, via, action, kind, record_id, before, after, address, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	auditCols         = `id, at, user_id, org_id, via, action, kind, record_id, before, after, address, detail`
	qLoginAttempts    = `SELECT key, failures, last_failure, locked_until FROM login_attempts WHERE key = ?`
	qPutLoginAttempts = `INSERT INTO login_attempts (key, failures, last_failure, locked_until) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure = excluded.last_failure, locked_until = excluded.locked_until`
	qResetLoginAttempts = `DELETE FROM login_attempts WHERE key = ?`
)

func (s *DB) now() time.Time { return s.Now().UTC() }

// nullTime scans a nullable timestamp into a pointer.
type nullTime struct{ T **time.Time }

func (n nullTime) Scan(v any) error {
	if v == nil {
		*n.T = nil
		return nil
	}
	var t time.Time
	if err := (Time{&t}).Scan(v); err != nil {
		return err
	}
	*n.T = &t
	return nil
}

func (s *DB) timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.D.TimeArg(*t)
}

func notFound(err error, kind, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.NotFound(kind, id)
	}
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func itoa(id int64) string { return formatInt(id) }

// Organisations.

func (s *DB) CreateOrganisation(ctx context.Context, o *domain.Organisation) error {
	if err := o.Validate(); err != nil {
		return err
	}
	now := s.now()
	if err := s.W.QueryRowContext(ctx, s.D.Q(qCreateOrganisation), o.Name, nullID(o.ActorID), s.D.TimeArg(now), s.D.TimeArg(now)).Scan(&o.ID); err != nil {
		return err
	}
	o.CreatedAt, o.UpdatedAt, o.Version = now, now, 1
	return nil
}

func scanOrg(sc interface{ Scan(...any) error }) (*domain.Organisation, error) {
	var o domain.Organisation
	err := sc.Scan(&o.ID, &o.Name, &o.ActorID, Time{&o.CreatedAt}, Time{&o.UpdatedAt}, &o.Version)
	return &o, err
}

func (s *DB) Organisation(ctx context.Context, id int64) (*domain.Organisation, error) {
	o, err := scanOrg(s.R.QueryRowContext(ctx, s.D.Q(qOrganisation), id))
	if err != nil {
		return nil, notFound(err, "organisation", itoa(id))
	}
	return o, nil
}

func (s *DB) Organisations(ctx context.Context) ([]domain.Organisation, error) {
	rows, err := s.R.QueryContext(ctx, s.D.Q(qOrganisations))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Organisation
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *o)
	}
	return out, rows.Err()
}

func (s *DB) UpdateOrganisation(ctx context.Context, o *domain.Organisation) error {
	if err := o.Validate(); err != nil {
		return err
	}
	now := s.now()
	res, err := s.W.ExecContext(ctx, s.D.Q(qUpdateOrganisation), o.Name, nullID(o.ActorID), s.D.TimeArg(now), o.ID, o.Version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Organisation(ctx, o.ID); err != nil {
			return err
		}
		return domain.Conflict("organisation", itoa(o.ID))
	}
	o.UpdatedAt = now
	o.Version++
	return nil
}

// Users.

func (s *DB) CreateUser(ctx context.Context, u *domain.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	now := s.now()
	err := s.W.QueryRowContext(ctx, s.D.Q(qCreateUser), u.Email, u.Name, u.PasswordHash, s.D.TimeArg(now), s.D.TimeArg(now)).Scan(&u.ID)
	if IsUnique(err) {
		return domain.Errorf(domain.ECONFLICT, "Un compte existe déjà pour %s.", u.Email)
	}
	if err != nil {
		return err
	}
	u.CreatedAt, u.UpdatedAt, u.Version = now, now, 1
	return nil
}

func scanUser(sc interface{ Scan(...any) error }) (*domain.User, error) {
	var u domain.User
	err := sc.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, Time{&u.CreatedAt}, Time{&u.UpdatedAt}, nullTime{&u.LastLoginAt}, &u.Version)
	return &u, err
}

func (s *DB) User(ctx context.Context, id int64) (*domain.User, error) {
	u, err := scanUser(s.R.QueryRowContext(ctx, s.D.Q(qUser), id))
	if err != nil {
		return nil, notFound(err, "compte", itoa(id))
	}
	return u, nil
}

func (s *DB) UserByEmail(ctx context.Context, email string) (*domain.User, error) {
	u, err := scanUser(s.R.QueryRowContext(ctx, s.D.Q(qUserByEmail), domain.NormalizeEmail(email)))
	if err != nil {
		return nil, notFound(err, "compte", email)
	}
	return u, nil
}

func (s *DB) Users(ctx context.Context) ([]domain.User, error) {
	rows, err := s.R.QueryContext(ctx, s.D.Q(qUsers))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

func (s *DB) execOne(ctx context.Context, kind, id, q string, args ...any) error {
	res, err := s.W.ExecContext(ctx, s.D.Q(q), args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound(kind, id)
	}
	return nil
}

func (s *DB) SetPassword(ctx context.Context, userID int64, hash string) error {
	return s.execOne(ctx, "compte", itoa(userID), qSetPassword, hash, s.D.TimeArg(s.now()), userID)
}

func (s *DB) SetLastLogin(ctx context.Context, userID int64, at time.Time) error {
	return s.execOne(ctx, "compte", itoa(userID), qSetLastLogin, s.D.TimeArg(at), userID)
}

// DeleteUser removes the user; memberships, sessions and tokens go with it
// (ON DELETE CASCADE), pending invitations to the same address too.
func (s *DB) DeleteUser(ctx context.Context, id int64) error {
	u, err := s.User(ctx, id)
	if err != nil {
		return err
	}
	tx, err := s.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.D.Q(qDeleteUserInvs), u.Email); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.D.Q(qDeleteUser), id); err != nil {
		return err
	}
	return tx.Commit()
}

// Memberships.

func (s *DB) PutMembership(ctx context.Context, m domain.Membership) error {
	if !domain.ValidRole(m.Role) {
		var v domain.Validation
		v.Add("role", "rôle inconnu %q (attendu : admin, caf_staff, partner_editor, partner_reader, observer)", m.Role)
		return v.Err()
	}
	_, err := s.W.ExecContext(ctx, s.D.Q(qPutMembership), m.UserID, m.OrgID, m.Role, s.D.TimeArg(s.now()))
	if IsForeignKey(err) {
		return domain.Errorf(domain.ENOTFOUND, "Compte %d ou organisation %d introuvable.", m.UserID, m.OrgID)
	}
	return err
}

func (s *DB) DeleteMembership(ctx context.Context, userID, orgID int64) error {
	return s.execOne(ctx, "appartenance", itoa(userID)+"/"+itoa(orgID), qDeleteMembership, userID, orgID)
}

func (s *DB) memberships(ctx context.Context, q string, id int64) ([]domain.Membership, error) {
	rows, err := s.R.QueryContext(ctx, s.D.Q(q), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Membership
	for rows.Next() {
		var m domain.Membership
		if err := rows.Scan(&m.UserID, &m.OrgID, &m.OrgName, &m.Role, Time{&m.CreatedAt}); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *DB) Memberships(ctx context.Context, userID int64) ([]domain.Membership, error) {
	return s.memberships(ctx, qMemberships, userID)
}

func (s *DB) OrgMembers(ctx context.Context, orgID int64) ([]domain.Membership, error) {
	return s.memberships(ctx, qOrgMembers, orgID)
}

// Invitations.

func (s *DB) CreateInvitation(ctx context.Context, inv *domain.Invitation) error {
	inv.Email = domain.NormalizeEmail(inv.Email)
	if inv.CreatedAt.IsZero() {
		inv.CreatedAt = s.now()
	}
	err := s.W.QueryRowContext(ctx, s.D.Q(qCreateInvitation), inv.Email, inv.OrgID, inv.Role, inv.TokenHash, inv.CreatedBy,
		s.D.TimeArg(inv.CreatedAt), s.D.TimeArg(inv.ExpiresAt)).Scan(&inv.ID)
	if IsForeignKey(err) {
		return domain.NotFound("organisation", itoa(inv.OrgID))
	}
	return err
}

func (s *DB) InvitationByHash(ctx context.Context, hash string) (*domain.Invitation, error) {
	var inv domain.Invitation
	err := s.R.QueryRowContext(ctx, s.D.Q(qInvitationByHash), hash).Scan(&inv.ID, &inv.Email, &inv.OrgID, &inv.Role, &inv.TokenHash,
		&inv.CreatedBy, Time{&inv.CreatedAt}, Time{&inv.ExpiresAt}, nullTime{&inv.UsedAt})
	if err != nil {
		return nil, notFound(err, "invitation", "")
	}
	return &inv, nil
}

func (s *DB) UseInvitation(ctx context.Context, id int64, at time.Time) error {
	res, err := s.W.ExecContext(ctx, s.D.Q(qUseInvitation), s.D.TimeArg(at), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Errorf(domain.ECONFLICT, "Invitation déjà utilisée.")
	}
	return nil
}

// Sessions.

func (s *DB) CreateSession(ctx context.Context, se *domain.Session) error {
	_, err := s.W.ExecContext(ctx, s.D.Q(qCreateSession), se.IDHash, se.UserID, se.OrgID, se.CSRF, s.D.TimeArg(se.CreatedAt),
		s.D.TimeArg(se.LastSeen), s.D.TimeArg(se.IdleExpires), s.D.TimeArg(se.AbsoluteExpires), se.Address)
	return err
}

func (s *DB) SessionByHash(ctx context.Context, hash string) (*domain.Session, error) {
	var se domain.Session
	err := s.R.QueryRowContext(ctx, s.D.Q(qSessionByHash), hash).Scan(&se.IDHash, &se.UserID, &se.OrgID, &se.CSRF, Time{&se.CreatedAt},
		Time{&se.LastSeen}, Time{&se.IdleExpires}, Time{&se.AbsoluteExpires}, &se.Address)
	if err != nil {
		return nil, notFound(err, "session", "")
	}
	return &se, nil
}

func (s *DB) TouchSession(ctx context.Context, hash string, lastSeen, idleExpires time.Time) error {
	_, err := s.W.ExecContext(ctx, s.D.Q(qTouchSession), s.D.TimeArg(lastSeen), s.D.TimeArg(idleExpires), hash)
	return err
}

func (s *DB) SetSessionOrg(ctx context.Context, hash string, orgID int64) error {
	return s.execOne(ctx, "session", "", qSetSessionOrg, orgID, hash)
}

func (s *DB) DeleteSession(ctx context.Context, hash string) error {
	_, err := s.W.ExecContext(ctx, s.D.Q(qDeleteSession), hash)
	return err
}

func (s *DB) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := s.W.ExecContext(ctx, s.D.Q(qDeleteUserSessions), userID)
	return err
}

func (s *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	res, err := s.W.ExecContext(ctx, s.D.Q(qDeleteExpired), s.D.TimeArg(now), s.D.TimeArg(now))
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// API tokens.

func (s *DB) CreateAPIToken(ctx context.Context, t *domain.APIToken) error {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.now()
	}
	return s.W.QueryRowContext(ctx, s.D.Q(qCreateAPIToken), t.UserID, t.OrgID, t.Name, t.Hash, t.Prefix, s.D.TimeArg(t.CreatedAt)).Scan(&t.ID)
}

func scanToken(sc interface{ Scan(...any) error }) (*domain.APIToken, error) {
	var t domain.APIToken
	err := sc.Scan(&t.ID, &t.UserID, &t.OrgID, &t.Name, &t.Hash, &t.Prefix, Time{&t.CreatedAt}, nullTime{&t.LastUsed}, nullTime{&t.RevokedAt})
	return &t, err
}

func (s *DB) APITokenByHash(ctx context.Context, hash string) (*domain.APIToken, error) {
	t, err := scanToken(s.R.QueryRowContext(ctx, s.D.Q(qAPITokenByHash), hash))
	if err != nil {
		return nil, notFound(err, "jeton", "")
	}
	return t, nil
}

func (s *DB) APITokens(ctx context.Context, userID int64) ([]domain.APIToken, error) {
	rows, err := s.R.QueryContext(ctx, s.D.Q(qAPITokens), userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

func (s *DB) RevokeAPIToken(ctx context.Context, userID, id int64, at time.Time) error {
	var n int
	if err := s.W.QueryRowContext(ctx, s.D.Q(qAPITokenOf), id, userID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return domain.NotFound("jeton", itoa(id))
	}
	_, err := s.W.ExecContext(ctx, s.D.Q(qRevokeAPIToken), s.D.TimeArg(at), id, userID)
	return err
}

func (s *DB) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	_, err := s.W.ExecContext(ctx, s.D.Q(qTouchAPIToken), s.D.TimeArg(at), id)
	return err
}

// Partnerships.

func orderPair(a, b int64) (int64, int64) {
	if a > b {
		return b, a
	}
	return a, b
}

func (s *DB) AddPartnership(ctx context.Context, a, b int64) error {
	if a == b {
		var v domain.Validation
		v.Add("org", "une organisation ne peut pas être partenaire d'elle-même")
		return v.Err()
	}
	a, b = orderPair(a, b)
	_, err := s.W.ExecContext(ctx, s.D.Q(qAddPartnership), a, b, s.D.TimeArg(s.now()))
	if IsForeignKey(err) {
		return domain.Errorf(domain.ENOTFOUND, "Organisation %d ou %d introuvable.", a, b)
	}
	return err
}

func (s *DB) RemovePartnership(ctx context.Context, a, b int64) error {
	a, b = orderPair(a, b)
	return s.execOne(ctx, "partenariat", itoa(a)+"-"+itoa(b), qDelPartnership, a, b)
}

func (s *DB) Partners(ctx context.Context, org int64) ([]int64, error) {
	rows, err := s.R.QueryContext(ctx, s.D.Q(qPartners), org, org)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Audit log: append and read, nothing else.

func jsonArg(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

func (s *DB) AppendAudit(ctx context.Context, e *domain.AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	return s.W.QueryRowContext(ctx, s.D.Q(qAppendAudit), s.D.TimeArg(e.At), e.UserID, e.OrgID, e.Via, e.Action, e.Kind, e.RecordID,
		jsonArg(e.Before), jsonArg(e.After), e.Address, e.Detail).Scan(&e.ID)
}

// rawJSON scans a nullable JSON column (text or jsonb).
type rawJSON struct{ J *json.RawMessage }

func (r rawJSON) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*r.J = nil
	case string:
		*r.J = json.RawMessage(x)
	case []byte:
		*r.J = append(json.RawMessage(nil), x...)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		*r.J = b
	}
	return nil
}

func (s *DB) Audit(ctx context.Context, f domain.AuditFilter) (domain.Page[domain.AuditEntry], error) {
	where, args := "1 = 1", []any{}
	if f.UserID != 0 {
		where += " AND user_id = ?"
		args = append(args, f.UserID)
	}
	if f.OrgID != 0 {
		where += " AND org_id = ?"
		args = append(args, f.OrgID)
	}
	if f.Kind != "" {
		where += " AND kind = ?"
		args = append(args, f.Kind)
	}
	if f.Action != "" {
		where += " AND action = ?"
		args = append(args, f.Action)
	}
	if !f.Since.IsZero() {
		where += " AND at >= ?"
		args = append(args, s.D.TimeArg(f.Since))
	}
	if !f.Until.IsZero() {
		where += " AND at < ?"
		args = append(args, s.D.TimeArg(f.Until))
	}
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 100
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	page := domain.Page[domain.AuditEntry]{Offset: f.Offset, Limit: f.Limit, Items: []domain.AuditEntry{}}
	if err := s.R.QueryRowContext(ctx, s.D.Q(`SELECT count(*) FROM audit_log WHERE `+where), args...).Scan(&page.Total); err != nil {
		return page, err
	}
	rows, err := s.R.QueryContext(ctx, s.D.Q(`SELECT `+auditCols+` FROM audit_log WHERE `+where+` ORDER BY id DESC LIMIT ? OFFSET ?`),
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		var e domain.AuditEntry
		if err := rows.Scan(&e.ID, Time{&e.At}, &e.UserID, &e.OrgID, &e.Via, &e.Action, &e.Kind, &e.RecordID,
			rawJSON{&e.Before}, rawJSON{&e.After}, &e.Address, &e.Detail); err != nil {
			return page, err
		}
		page.Items = append(page.Items, e)
	}
	return page, rows.Err()
}

// Login throttling.

func (s *DB) LoginAttempts(ctx context.Context, key string) (domain.LoginAttempts, error) {
	a := domain.LoginAttempts{Key: key}
	err := s.R.QueryRowContext(ctx, s.D.Q(qLoginAttempts), key).Scan(&a.Key, &a.Failures, Time{&a.LastFailure}, Time{&a.LockedUntil})
	if errors.Is(err, sql.ErrNoRows) {
		return domain.LoginAttempts{Key: key}, nil
	}
	return a, err
}

func (s *DB) PutLoginAttempts(ctx context.Context, a domain.LoginAttempts) error {
	_, err := s.W.ExecContext(ctx, s.D.Q(qPutLoginAttempts), a.Key, a.Failures, s.D.TimeArg(a.LastFailure), s.D.TimeArg(a.LockedUntil))
	return err
}

func (s *DB) ResetLoginAttempts(ctx context.Context, key string) error {
	_, err := s.W.ExecContext(ctx, s.D.Q(qResetLoginAttempts), key)
	return err
}

func formatInt(i int64) string { return strconv.FormatInt(i, 10) }
