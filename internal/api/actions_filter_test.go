package api_test

import (
	"testing"

	"maillage/internal/api"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// TestActionFilterReferentialCase: the importers store referential codes in
// lower case ("LAEP" in a template becomes laep); a filter typed as the label
// reads (label=LAEP) finds the action, and an unknown code is a 400 naming
// the parameter instead of an empty list.
func TestActionFilterReferentialCase(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		fx := loadFixture(t, s)
		a := domain.Action{Title: "LAEP Les Petits Pas", OperatorID: fx.assoc, Themes: []string{"parentalite"},
			Publics: []string{"parents"}, Labels: []string{"laep"}, Zone: []string{"18033"}}
		e.do("POST", "/api/v1/actions", a, e.auth()).expect(201)
		for _, q := range []string{"label=laep", "label=LAEP", "theme=Parentalite", "public=PARENTS"} {
			var l api.List[domain.Action]
			e.do("GET", "/api/v1/actions?"+q, nil, e.auth()).expect(200).decode(&l)
			if l.Total != 1 {
				t.Errorf("%s: %d actions, want 1", q, l.Total)
			}
		}
		e.do("GET", "/api/v1/actions?theme=astrologie&label=xyz&public=martiens", nil, e.auth()).
			expect(400).expectFields("theme", "label", "public")
	})
}
