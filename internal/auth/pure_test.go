package auth

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"maillage/internal/domain"
	"maillage/internal/testutil"
)

func TestMain(m *testing.M) {
	Argon2 = TestArgon2
	os.Exit(m.Run())
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("not a PHC argon2id string: %s", h)
	}
	if !VerifyPassword(h, "correct horse battery staple") {
		t.Fatal("right password refused")
	}
	if VerifyPassword(h, "correct horse battery stapl") || VerifyPassword(h, "") {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("correct horse battery staple")
	if h2 == h {
		t.Fatal("same hash twice: salt not random")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "plain"} {
		if VerifyPassword(bad, "x") {
			t.Fatalf("malformed hash %q accepted", bad)
		}
	}
	if NeedsRehash(h) {
		t.Fatal("fresh hash needs rehash")
	}
	old, _ := hashWith(DefaultArgon2, "pw")
	if !NeedsRehash(old) || !VerifyPassword(old, "pw") {
		t.Fatal("hash with other parameters: must verify and need rehash")
	}
	if CheckPasswordStrength("court") == nil || CheckPasswordStrength("une phrase de passe longue") != nil {
		t.Fatal("strength check")
	}
}

func TestTokens(t *testing.T) {
	tok, h := NewToken(PrefixAPIToken)
	if !strings.HasPrefix(tok, "mlg_") || !WellFormed(tok, PrefixAPIToken) {
		t.Fatalf("token %q", tok)
	}
	if HashToken(tok) != h || len(h) != 64 || strings.Contains(h, tok) {
		t.Fatal("hash")
	}
	tok2, _ := NewToken(PrefixAPIToken)
	if tok2 == tok {
		t.Fatal("tokens repeat")
	}
	for _, bad := range []string{"", "mlg_", "inv_" + tok[4:], tok + "x", "mlg_' OR 1=1 --"} {
		if WellFormed(bad, PrefixAPIToken) {
			t.Fatalf("%q accepted", bad)
		}
	}
}

func TestPolicy(t *testing.T) {
	admin := &domain.Principal{UserID: 1, OrgID: 1, Role: domain.RoleAdmin}
	caf := &domain.Principal{UserID: 2, OrgID: 2, Role: domain.RoleCAFStaff, Partners: []int64{3}}
	editor := &domain.Principal{UserID: 3, OrgID: 3, Role: domain.RolePartnerEditor, Partners: []int64{2}}
	reader := &domain.Principal{UserID: 4, OrgID: 4, Role: domain.RolePartnerReader}
	observer := &domain.Principal{UserID: 5, OrgID: 5, Role: domain.RoleObserver}
	var public *domain.Principal
	rec := func(owner int64, v domain.Visibility) Resource {
		return Resource{Class: Data, OwnerOrg: owner, Visibility: v}
	}
	cases := []struct {
		p    *domain.Principal
		a    Action
		r    Resource
		want bool
	}{
		{admin, Update, rec(2, domain.VisibilityPrivate), true},
		{caf, Read, rec(2, domain.VisibilityPrivate), true},
		{caf, Update, rec(2, domain.VisibilityPrivate), true},
		{caf, Read, rec(3, domain.VisibilityPrivate), false},
		{caf, Read, rec(3, domain.VisibilityPartners), true},
		{caf, Read, rec(4, domain.VisibilityPartners), false},
		{caf, Update, rec(3, domain.VisibilityNetwork), false},
		{caf, Create, rec(3, domain.VisibilityNetwork), false},
		{caf, Create, rec(2, domain.VisibilityNetwork), true},
		{editor, Read, rec(2, domain.VisibilityPartners), true},
		{editor, Delete, rec(3, domain.VisibilityPublic), true},
		{editor, Create, Resource{Class: Reference}, false},
		{caf, Create, Resource{Class: Reference}, true},
		{reader, Read, rec(2, domain.VisibilityNetwork), true},
		{reader, Read, rec(2, domain.VisibilityPartners), false},
		{reader, Update, rec(4, domain.VisibilityPrivate), false},
		{observer, Read, rec(2, domain.VisibilityNetwork), true},
		{observer, Export, rec(2, domain.VisibilityPrivate), false},
		{observer, Create, rec(5, domain.VisibilityPrivate), false},
		{public, Read, rec(2, domain.VisibilityPublic), true},
		{public, Read, rec(2, domain.VisibilityNetwork), false},
		{public, Create, rec(0, domain.VisibilityPublic), false},
		{public, Read, Resource{Class: Account, UserID: 0}, false},
		{reader, Update, Resource{Class: Account, UserID: 4}, true},
		{reader, Update, Resource{Class: Account, UserID: 3}, false},
		{caf, Admin, Resource{Class: Administration}, false},
		{caf, Read, Resource{Class: Administration}, false},
		{admin, Read, Resource{Class: Administration}, true},
		{&domain.Principal{Role: "bogus", OrgID: 2}, Read, rec(2, domain.VisibilityPublic), false},
	}
	for i, c := range cases {
		if got := Can(c.p, c.a, c.r); got != c.want {
			t.Errorf("case %d: Can(%s, %s, %+v) = %v, want %v", i, RoleOf(c.p), c.a, c.r, got, c.want)
		}
	}
	// Every role × class × action has an entry.
	for _, r := range Roles {
		for _, c := range Classes {
			found := false
			for _, p := range policy {
				found = found || (p.role == r && p.class == c)
			}
			if !found {
				t.Errorf("no policy row for %s × %s", r, c)
			}
		}
	}
}

func TestVisibilityWhere(t *testing.T) {
	if got := VisibilityWhere(nil, "owner_org", "visibility"); got != "(visibility = 'public')" {
		t.Fatal(got)
	}
	p := &domain.Principal{OrgID: 7, Role: domain.RolePartnerReader, Partners: []int64{3, 9}}
	want := "(visibility IN ('public', 'network') OR owner_org = 7 OR (visibility = 'partners' AND owner_org IN (3, 9)))"
	if got := VisibilityWhere(p, "owner_org", "visibility"); got != want {
		t.Fatalf("got %s", got)
	}
	if VisibilityWhere(&domain.Principal{Role: domain.RoleAdmin}, "o", "v") != "1=1" {
		t.Fatal("admin")
	}
}

// The table in docs/security.md is the one the code enforces.
func TestPolicyDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(testutil.ModuleRoot(), "docs", "security.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), PolicyMarkdown()) {
		t.Fatalf("docs/security.md does not hold the policy table; paste:\n%s", PolicyMarkdown())
	}
}

func TestThrottle(t *testing.T) {
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	var slept time.Duration
	th := NewThrottle(&MemoryAttempts{})
	th.Now = func() time.Time { return now }
	th.Sleep = func(_ context.Context, d time.Duration) { slept = d }
	ctx := context.Background()
	for i := 0; i < AccountThrottle.LockAfter; i++ {
		slept = 0
		if err := th.Before(ctx, "A@x.fr", "10.0.0.1"); err != nil {
			t.Fatalf("attempt %d locked early: %v", i, err)
		}
		if i < AccountThrottle.Free && slept != 0 {
			t.Fatalf("attempt %d slowed", i)
		}
		if i > AccountThrottle.Free && slept == 0 {
			t.Fatalf("attempt %d not slowed", i)
		}
		th.Failed(ctx, "a@x.fr", "10.0.0.1")
		now = now.Add(time.Second)
	}
	if err := th.Before(ctx, "a@X.fr", "10.0.0.2"); err != ErrLocked {
		t.Fatalf("account not locked from another address: %v", err)
	}
	if err := th.Before(ctx, "b@x.fr", "10.0.0.1"); err != nil {
		t.Fatalf("other account from same address locked too early: %v", err)
	}
	now = now.Add(AccountThrottle.LockFor + time.Second)
	if err := th.Before(ctx, "a@x.fr", "10.0.0.2"); err != nil {
		t.Fatalf("lock did not expire: %v", err)
	}
	// Per address: many accounts from one address.
	for i := 0; i < AddressThrottle.LockAfter; i++ {
		th.Failed(ctx, "user"+string(rune('a'+i%26))+"@y.fr", "10.9.9.9")
	}
	if err := th.Before(ctx, "fresh@y.fr", "10.9.9.9"); err != ErrLocked {
		t.Fatalf("address not locked: %v", err)
	}
	th.Succeeded(ctx, "a@x.fr")
	if a, _ := th.Store.LoginAttempts(ctx, accountKey("a@x.fr")); a.Failures != 0 {
		t.Fatal("success did not reset")
	}
}

// The route table builds into one ServeMux (no two patterns conflict), so
// every request resolves to exactly one rule.
func TestRoutesTable(t *testing.T) {
	_, errs := newRouteMux()
	for _, e := range errs {
		t.Error(e)
	}
	for p, r := range Routes {
		if !r.Open && r.Class == "" {
			t.Errorf("%s: rule without class", p)
		}
		if m, _, _ := strings.Cut(p, " "); m == "GET" && !r.Open && r.Action != Read && r.Action != Export && r.Action != Create && r.Action != Update {
			t.Errorf("%s: a GET route with action %s", p, r.Action)
		}
	}
}

// BenchmarkHashPassword measures the production setting (DefaultArgon2).
// go test -run '^$' -bench HashPassword -benchtime 20x ./internal/auth
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := hashWith(DefaultArgon2, "une phrase de passe longue"); err != nil {
			b.Fatal(err)
		}
	}
}
