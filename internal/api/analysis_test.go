package api_test

import (
	"testing"

	"maillage/internal/analysis"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// TestAnalysisRoutes runs the analysis routes over real HTTP on both
// databases, each exchange validated against the OpenAPI document.
func TestAnalysisRoutes(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		fx := loadFixture(t, s)
		// 20 places in Bourges (no centroids in the fixture: each commune is
		// its own catchment), nothing in Achères.
		e.createAction(newAction(fx, "LAEP de Bourges", func(a *domain.Action) { a.Places = []string{"18033"} }))

		var res analysis.Result
		e.do("GET", "/api/v1/analysis?scope=241800507&theme=parentalite&need=population&year=2024", nil, nil).expect(200).decode(&res)
		if res.Scope.Communes != 2 || len(res.Communes) != 2 || res.Params.NeedIndicator != "population" || res.Params.Year != 2024 {
			t.Fatalf("analysis = %+v", res)
		}
		for _, c := range res.Communes {
			switch c.Code {
			case "18033":
				if c.Supply != 20 || c.Need != 64668 || c.Accessibility != 20.0/64668 {
					t.Errorf("Bourges = %+v", c)
				}
			case "18001":
				if c.Supply != 0 || c.Accessibility != 0 {
					t.Errorf("Achères = %+v", c)
				}
			}
		}
		if len(res.WhiteZones) != 1 || res.WhiteZones[0].Code != "18001" || res.WhiteZones[0].Uncovered != 150 {
			t.Errorf("white zones = %+v", res.WhiteZones)
		}
		e.do("GET", "/api/v1/analysis?scope=99999&theme=parentalite", nil, nil).expect(404)
		e.do("GET", "/api/v1/analysis?scope=18&theme=cuisine", nil, nil).expect(400)
		e.do("GET", "/api/v1/analysis?theme=parentalite&radius=abc", nil, nil).expect(400)

		var ex analysis.Explanation
		e.do("GET", "/api/v1/analysis/explain?commune=18033&theme=parentalite&need=population&year=2024", nil, nil).expect(200).decode(&ex)
		if len(ex.Catchment) != 1 || len(ex.Catchment[0].Actions) != 1 || ex.Catchment[0].Supply != 20 {
			t.Errorf("explain = %+v", ex)
		}
		e.do("GET", "/api/v1/analysis/explain?theme=parentalite", nil, nil).expect(400)
		e.do("GET", "/api/v1/analysis/explain?commune=99999&theme=parentalite", nil, nil).expect(404)
	})
}
