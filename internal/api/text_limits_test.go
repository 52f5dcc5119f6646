package api_test

import (
	"strings"
	"testing"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// TestTextLimits: an actor with a 3 Mo name or an action with a too long
// description is refused (400 naming the field, nothing written); at the
// limit it is created.
func TestTextLimits(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		fx := loadFixture(t, s)
		r := e.do("POST", "/api/v1/actors", map[string]any{"name": strings.Repeat("a", 3<<20), "type": "association"}, e.auth()).expect(400)
		r.expectFields("name")
		if !strings.Contains(string(r.Body), "300 caractères au plus") {
			t.Errorf("reason: %.300s", r.Body)
		}
		e.do("POST", "/api/v1/actors", map[string]any{"name": strings.Repeat("é", domain.MaxName), "type": "association"}, e.auth()).expect(201)
		body := map[string]any{"title": "Atelier", "operator_id": fx.assoc, "themes": []string{"parentalite"},
			"zone": []string{"18033"}, "description": strings.Repeat("x", domain.MaxText+1)}
		e.do("POST", "/api/v1/actions", body, e.auth()).expect(400).expectFields("description")
	})
}
