package cli

import (
	"net/url"
	"strings"
	"testing"

	"maillage/internal/store/storetest"
)

// TestDemoHidesPassword: the demo's report names the database without the
// password of a PostgreSQL URL, and tells how to serve that same database.
func TestDemoHidesPassword(t *testing.T) {
	dsn, _ := storetest.NewPostgresSchema(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), "s3cret-demo") // trust authentication ignores it
	code, out, errs := mainOut("demo", "--db", u.String())
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errs)
	}
	if strings.Contains(out+errs, "s3cret-demo") {
		t.Errorf("the password is printed:\n%s%s", out, errs)
	}
	if !strings.Contains(out, "maillage serve --db postgres://") {
		t.Errorf("no serve command for this database:\n%s", out)
	}
	code, _, errs = mainOut("demo", "--db", u.String())
	if code == 0 || strings.Contains(errs, "s3cret-demo") {
		t.Errorf("second demo: exit %d, %q", code, errs)
	}
}
