package auth_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"maillage/internal/auth"
	"maillage/internal/domain"
	"maillage/internal/store/postgres"
	"maillage/internal/store/sqlite"
	"maillage/internal/store/storetest"
)

var bg = context.Background()

func accounts(t *testing.T, s domain.Store) domain.AccountStore {
	t.Helper()
	a, ok := s.(domain.AccountStore)
	if !ok {
		t.Fatalf("%T does not implement domain.AccountStore", s)
	}
	return a
}

func rawDB(t *testing.T, s domain.Store) *sql.DB {
	switch x := s.(type) {
	case *sqlite.Store:
		return x.W
	case *postgres.Store:
		return x.W
	}
	t.Fatalf("unknown store %T", s)
	return nil
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if domain.ErrorCode(err) != code {
		t.Fatalf("error %v (code %q), want %q", err, domain.ErrorCode(err), code)
	}
}

func TestAccountStore(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		a := accounts(t, s)
		// Organisations: the instance exists; new ones get ids.
		inst, err := a.Organisation(bg, domain.InstanceOrganisation)
		must(t, err)
		if inst.Name == "" {
			t.Fatal("instance organisation without a name")
		}
		org := &domain.Organisation{Name: "  Commune de Bourges "}
		must(t, a.CreateOrganisation(bg, org))
		if org.ID <= 1 || org.Name != "Commune de Bourges" {
			t.Fatalf("created %+v", org)
		}
		wantCode(t, a.CreateOrganisation(bg, &domain.Organisation{Name: " "}), domain.EINVALID)
		org.Name = "Ville de Bourges"
		must(t, a.UpdateOrganisation(bg, org))
		stale := *org
		stale.Version = 1
		wantCode(t, a.UpdateOrganisation(bg, &stale), domain.ECONFLICT)
		_, err = a.Organisation(bg, 999)
		wantCode(t, err, domain.ENOTFOUND)

		// Users: email unique case-insensitively.
		u := &domain.User{Email: "Alice@Example.FR", Name: "Alice"}
		must(t, a.CreateUser(bg, u))
		if u.Email != "alice@example.fr" {
			t.Fatalf("email not normalised: %q", u.Email)
		}
		wantCode(t, a.CreateUser(bg, &domain.User{Email: "ALICE@example.fr"}), domain.ECONFLICT)
		wantCode(t, a.CreateUser(bg, &domain.User{Email: "pas une adresse"}), domain.EINVALID)
		got, err := a.UserByEmail(bg, "aLiCe@example.fr")
		must(t, err)
		if got.ID != u.ID {
			t.Fatal("lookup by email")
		}
		must(t, a.SetPassword(bg, u.ID, "$argon2id$x"))
		now := time.Now().UTC().Truncate(time.Second)
		must(t, a.SetLastLogin(bg, u.ID, now))
		got, _ = a.User(bg, u.ID)
		if got.PasswordHash != "$argon2id$x" || got.LastLoginAt == nil || !got.LastLoginAt.Equal(now) {
			t.Fatalf("user after updates: %+v", got)
		}

		// Memberships.
		must(t, a.PutMembership(bg, domain.Membership{UserID: u.ID, OrgID: org.ID, Role: domain.RolePartnerReader}))
		must(t, a.PutMembership(bg, domain.Membership{UserID: u.ID, OrgID: org.ID, Role: domain.RolePartnerEditor}))
		must(t, a.PutMembership(bg, domain.Membership{UserID: u.ID, OrgID: 1, Role: domain.RoleObserver}))
		wantCode(t, a.PutMembership(bg, domain.Membership{UserID: u.ID, OrgID: 1, Role: "root"}), domain.EINVALID)
		wantCode(t, a.PutMembership(bg, domain.Membership{UserID: u.ID, OrgID: 777, Role: domain.RoleObserver}), domain.ENOTFOUND)
		ms, err := a.Memberships(bg, u.ID)
		must(t, err)
		if len(ms) != 2 || ms[1].OrgID != org.ID || ms[1].Role != domain.RolePartnerEditor || ms[1].OrgName != "Ville de Bourges" {
			t.Fatalf("memberships %+v", ms)
		}
		mem, _ := a.OrgMembers(bg, org.ID)
		if len(mem) != 1 || mem[0].UserID != u.ID {
			t.Fatalf("org members %+v", mem)
		}
		must(t, a.DeleteMembership(bg, u.ID, 1))
		wantCode(t, a.DeleteMembership(bg, u.ID, 1), domain.ENOTFOUND)

		// Invitations: one-time.
		inv := &domain.Invitation{Email: "Bob@example.fr", OrgID: org.ID, Role: domain.RolePartnerReader, TokenHash: auth.HashToken("inv_x"),
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		must(t, a.CreateInvitation(bg, inv))
		gi, err := a.InvitationByHash(bg, auth.HashToken("inv_x"))
		must(t, err)
		if gi.ID != inv.ID || gi.Email != "bob@example.fr" || gi.UsedAt != nil || !gi.ExpiresAt.Equal(now.Add(time.Hour)) {
			t.Fatalf("invitation %+v", gi)
		}
		must(t, a.UseInvitation(bg, inv.ID, now))
		wantCode(t, a.UseInvitation(bg, inv.ID, now), domain.ECONFLICT)
		_, err = a.InvitationByHash(bg, auth.HashToken("inv_y"))
		wantCode(t, err, domain.ENOTFOUND)

		// Sessions.
		se := &domain.Session{IDHash: auth.HashToken("s1"), UserID: u.ID, OrgID: org.ID, CSRF: "c", CreatedAt: now, LastSeen: now,
			IdleExpires: now.Add(time.Hour), AbsoluteExpires: now.Add(2 * time.Hour), Address: "10.0.0.1"}
		must(t, a.CreateSession(bg, se))
		gs, err := a.SessionByHash(bg, se.IDHash)
		must(t, err)
		if gs.UserID != u.ID || gs.OrgID != org.ID || gs.CSRF != "c" || !gs.AbsoluteExpires.Equal(se.AbsoluteExpires) {
			t.Fatalf("session %+v", gs)
		}
		must(t, a.TouchSession(bg, se.IDHash, now.Add(time.Minute), now.Add(2*time.Hour)))
		must(t, a.SetSessionOrg(bg, se.IDHash, 1))
		gs, _ = a.SessionByHash(bg, se.IDHash)
		if gs.OrgID != 1 || !gs.LastSeen.Equal(now.Add(time.Minute)) {
			t.Fatalf("session after touch %+v", gs)
		}
		old := &domain.Session{IDHash: auth.HashToken("s2"), UserID: u.ID, OrgID: org.ID, CSRF: "c", CreatedAt: now, LastSeen: now,
			IdleExpires: now.Add(-time.Second), AbsoluteExpires: now.Add(time.Hour)}
		must(t, a.CreateSession(bg, old))
		n, err := a.DeleteExpiredSessions(bg, now)
		must(t, err)
		if n != 1 {
			t.Fatalf("expired sessions deleted: %d", n)
		}
		must(t, a.DeleteUserSessions(bg, u.ID))
		_, err = a.SessionByHash(bg, se.IDHash)
		wantCode(t, err, domain.ENOTFOUND)

		// API tokens.
		tk := &domain.APIToken{UserID: u.ID, OrgID: org.ID, Name: "script", Hash: auth.HashToken("mlg_a"), Prefix: "mlg_a"}
		must(t, a.CreateAPIToken(bg, tk))
		gt, err := a.APITokenByHash(bg, tk.Hash)
		must(t, err)
		if gt.ID != tk.ID || gt.RevokedAt != nil || gt.LastUsed != nil {
			t.Fatalf("token %+v", gt)
		}
		must(t, a.TouchAPIToken(bg, tk.ID, now))
		other := &domain.User{Email: "eve@example.fr"}
		must(t, a.CreateUser(bg, other))
		wantCode(t, a.RevokeAPIToken(bg, other.ID, tk.ID, now), domain.ENOTFOUND) // not hers
		must(t, a.RevokeAPIToken(bg, u.ID, tk.ID, now))
		ts, _ := a.APITokens(bg, u.ID)
		if len(ts) != 1 || ts[0].RevokedAt == nil || ts[0].LastUsed == nil {
			t.Fatalf("tokens %+v", ts)
		}

		// Partnerships are symmetric.
		org2 := &domain.Organisation{Name: "CAF du Cher"}
		must(t, a.CreateOrganisation(bg, org2))
		must(t, a.AddPartnership(bg, org2.ID, org.ID))
		must(t, a.AddPartnership(bg, org.ID, org2.ID)) // idempotent
		wantCode(t, a.AddPartnership(bg, org.ID, org.ID), domain.EINVALID)
		p1, _ := a.Partners(bg, org.ID)
		p2, _ := a.Partners(bg, org2.ID)
		if len(p1) != 1 || p1[0] != org2.ID || len(p2) != 1 || p2[0] != org.ID {
			t.Fatalf("partners %v %v", p1, p2)
		}
		must(t, a.RemovePartnership(bg, org2.ID, org.ID))
		p1, _ = a.Partners(bg, org.ID)
		if len(p1) != 0 {
			t.Fatal("partnership not removed")
		}

		// Login attempts.
		la, err := a.LoginAttempts(bg, "account:x")
		must(t, err)
		if la.Failures != 0 || la.Key != "account:x" {
			t.Fatalf("fresh attempts %+v", la)
		}
		must(t, a.PutLoginAttempts(bg, domain.LoginAttempts{Key: "account:x", Failures: 3, LastFailure: now, LockedUntil: now.Add(time.Minute)}))
		la, _ = a.LoginAttempts(bg, "account:x")
		if la.Failures != 3 || !la.LockedUntil.Equal(now.Add(time.Minute)) {
			t.Fatalf("attempts %+v", la)
		}
		must(t, a.ResetLoginAttempts(bg, "account:x"))
		la, _ = a.LoginAttempts(bg, "account:x")
		if la.Failures != 0 {
			t.Fatal("reset")
		}

		// Deleting a user removes memberships, sessions, tokens, pending invitations.
		must(t, a.CreateSession(bg, se))
		must(t, a.CreateInvitation(bg, &domain.Invitation{Email: u.Email, OrgID: org.ID, Role: domain.RoleObserver, TokenHash: auth.HashToken("inv_z"), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
		must(t, a.DeleteUser(bg, u.ID))
		_, err = a.User(bg, u.ID)
		wantCode(t, err, domain.ENOTFOUND)
		ms, _ = a.Memberships(bg, u.ID)
		ts, _ = a.APITokens(bg, u.ID)
		_, serr := a.SessionByHash(bg, se.IDHash)
		_, ierr := a.InvitationByHash(bg, auth.HashToken("inv_z"))
		if len(ms) != 0 || len(ts) != 0 || domain.ErrorCode(serr) != domain.ENOTFOUND || domain.ErrorCode(ierr) != domain.ENOTFOUND {
			t.Fatalf("left after deletion: %v %v %v %v", ms, ts, serr, ierr)
		}
	})
}

func TestAuditAppendOnly(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		a := accounts(t, s)
		e := &domain.AuditEntry{UserID: 7, OrgID: 2, Via: "session", Action: "update", Kind: "actor", RecordID: "12",
			Before: []byte(`{"name":"A"}`), After: []byte(`{"name":"B"}`), Address: "10.0.0.1"}
		must(t, a.AppendAudit(bg, e))
		must(t, a.AppendAudit(bg, &domain.AuditEntry{Action: "login", Kind: "session", UserID: 8}))
		p, err := a.Audit(bg, domain.AuditFilter{})
		must(t, err)
		if p.Total != 2 || p.Items[0].Action != "login" || p.Items[1].ID != e.ID {
			t.Fatalf("audit page %+v", p)
		}
		got := p.Items[1]
		if got.UserID != 7 || got.Kind != "actor" || got.RecordID != "12" || got.Address != "10.0.0.1" || got.At.IsZero() {
			t.Fatalf("entry %+v", got)
		}
		var before map[string]string
		if err := jsonUnmarshal(got.Before, &before); err != nil || before["name"] != "A" {
			t.Fatalf("before %s", got.Before)
		}
		p, _ = a.Audit(bg, domain.AuditFilter{UserID: 7, Kind: "actor", Action: "update"})
		if p.Total != 1 {
			t.Fatalf("filtered total %d", p.Total)
		}
		db := rawDB(t, s)
		for _, q := range []string{"UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"} {
			if _, err := db.Exec(q); err == nil {
				t.Fatalf("%q succeeded on the append-only audit log", q)
			}
		}
		if s.Dialect() == "postgres" {
			if _, err := db.Exec("TRUNCATE audit_log"); err == nil {
				t.Fatal("TRUNCATE succeeded on the append-only audit log")
			}
		}
		p, _ = a.Audit(bg, domain.AuditFilter{})
		if p.Total != 2 || p.Items[1].Action != "update" {
			t.Fatal("audit log changed")
		}
	})
}
