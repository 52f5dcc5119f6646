package authhttp_test

import (
	"fmt"
	"testing"
	"time"

	"maillage/internal/auth"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// TestSharedWorkPartners: organisations that take part in the same
// diagnostic or governance body see each other's "partners" records.
func TestSharedWorkPartners(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		ds, ok := s.(domain.DiagnosticStore)
		if !ok {
			t.Skipf("%T has no diagnostics", s)
		}
		gs, ok := s.(domain.GovernanceStore)
		if !ok {
			t.Skipf("%T has no governance bodies", s)
		}
		auth.SharedWorkTTL = 0
		defer func() { auth.SharedWorkTTL = 10 * time.Second }()
		obs := e.login(domain.RoleObserver) // acts for Other
		get := func(org int64, v domain.Visibility) int {
			return obs.do("GET", fmt.Sprintf("/api/v1/actions/%d", e.Actions[org][v]), nil).status
		}
		if st := get(e.CAF, domain.VisibilityPartners); st != 404 {
			t.Fatalf("before any shared work: %d", st)
		}
		d := &domain.Diagnostic{Title: "Diagnostic partagé jeunesse", Perimeter: "18033", Themes: []string{"jeunesse"},
			Participants: []domain.Participant{{OrgID: e.CAF, Name: "CAF"}, {OrgID: e.Other, Name: "Observatoire"}},
			Meta:         domain.Meta{OwnerOrg: e.CAF, Visibility: domain.VisibilityPartners}}
		must(t, ds.CreateDiagnostic(bg, d))
		if st := get(e.CAF, domain.VisibilityPartners); st != 200 {
			t.Errorf("participant of the CAF's diagnostic reads its partners action: %d", st)
		}
		if st := get(e.CAF, domain.VisibilityPrivate); st != 404 {
			t.Errorf("participant reads the CAF's private action: %d", st)
		}
		if st := get(e.Partner, domain.VisibilityPartners); st != 404 {
			t.Errorf("no shared work with Partner yet: %d", st)
		}
		b := &domain.Body{Name: "Comité technique", Kind: "comite_technique",
			Members: []domain.Member{{OrgID: e.Partner, Role: "membre"}, {OrgID: e.Other, Role: "membre"}},
			Meta:    domain.Meta{OwnerOrg: e.Partner, Visibility: domain.VisibilityPartners}}
		if err := gs.CreateBody(bg, b); err != nil {
			t.Skipf("body: %v", err)
		}
		if st := get(e.Partner, domain.VisibilityPartners); st != 200 {
			t.Errorf("member of Partner's body reads its partners action: %d", st)
		}
	})
}
