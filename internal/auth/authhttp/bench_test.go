package authhttp_test

import (
	"net/http"
	"strconv"
	"testing"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// BenchmarkAuthenticatedRead measures a signed-in read of one action through
// the whole server (session lookup, principal, policy, visibility filter).
// go test -run '^$' -bench AuthenticatedRead -benchtime 2000x ./internal/auth/authhttp
func BenchmarkAuthenticatedRead(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB) domain.Store
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		b.Run(db.name, func(b *testing.B) {
			e := newEnv(b, db.open(b))
			for _, who := range []string{"public", "session"} {
				c := e.anon()
				if who == "session" {
					c = e.login(domain.RolePartnerEditor)
				}
				path := "/api/v1/actions/" + itoa(e.Actions[e.Partner][domain.VisibilityPublic])
				b.Run(who, func(b *testing.B) {
					for b.Loop() {
						if r := c.do("GET", path, nil); r.status != http.StatusOK {
							b.Fatal(r.status)
						}
					}
				})
			}
		})
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
