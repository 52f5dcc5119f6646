package web_test

import (
	"context"
	"fmt"
	"testing"

	"maillage/internal/demo"
	"maillage/internal/store/storetest"
	"maillage/internal/web"
)

// BenchmarkDiagnosticPages measures the server time of the diagnostic,
// governance, convention and steering pages on the demo with the fixture:
//
//	go test ./internal/web -run '^$' -bench DiagnosticPages -benchtime 50x
func BenchmarkDiagnosticPages(b *testing.B) {
	s := storetest.OpenSQLite(b)
	if err := demo.Build(context.Background(), s); err != nil {
		b.Fatal(err)
	}
	fx := seedDiagnostic(b, s)
	h, err := web.New(s, web.Options{AllowAnonymousWrite: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, path string }{
		{"liste", "/diagnostics"},
		{"diagnostic", fmt.Sprintf("/diagnostics/%d", fx.Diag)},
		{"restitution", fmt.Sprintf("/diagnostics/%d/restitution", fx.Diag)},
		{"rapport", fmt.Sprintf("/diagnostics/%d/rapport", fx.Diag)},
		{"pilotage", "/pilotage"},
		{"instances", "/instances"},
		{"conventions", "/conventions"},
		{"convention", fmt.Sprintf("/conventions/%d", fx.Conv)},
	} {
		b.Run(c.name, func(b *testing.B) { benchPage(b, h, c.path) })
	}
}
