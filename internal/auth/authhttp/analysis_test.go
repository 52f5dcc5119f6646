package authhttp_test

import (
	"fmt"
	"strings"
	"testing"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// TestAnalysisLeaksNothing: the analysis is shared by everyone, so it only
// counts records every signed-in organisation may see; the public does not
// get it.
func TestAnalysisLeaksNothing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		if r := e.anon().do("GET", "/api/v1/analysis?scope=18", nil); r.status != 401 {
			t.Errorf("the public reads the analysis: %d", r.status)
		}
		if r := e.anon().do("GET", "/analyse", nil); r.status != 303 {
			t.Errorf("the public reads the analysis page: %d", r.status)
		}
		for _, role := range []string{domain.RoleAdmin, domain.RoleCAFStaff, domain.RolePartnerEditor, domain.RoleObserver} {
			c := e.login(role)
			r := c.do("GET", "/api/v1/analysis/explain?commune=18033&theme=parentalite&year=2024", nil)
			if r.status != 200 {
				t.Fatalf("%s explain: %d %s", role, r.status, trim(r.body))
			}
			body := string(r.body)
			for _, org := range []int64{1, e.CAF, e.Partner, e.Other} {
				for _, v := range visibilities {
					title := fmt.Sprintf("Action o%d %s", org, v)
					want := v == domain.VisibilityNetwork || v == domain.VisibilityPublic
					if got := strings.Contains(body, title); got != want {
						t.Errorf("%s: %q in the explanation = %v, want %v", role, title, got, want)
					}
				}
			}
		}
	})
}
