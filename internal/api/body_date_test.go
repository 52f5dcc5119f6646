package api_test

import (
	"testing"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// TestBadDateNamesItsField: a bad date in a body is reported under its own
// field (start_date, end_date), as every other bad value is.
func TestBadDateNamesItsField(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		fx := loadFixture(t, s)
		body := map[string]any{"title": "Atelier", "operator_id": fx.assoc, "themes": []string{"parentalite"},
			"zone": []string{"18033"}, "start_date": "2025-13-45", "end_date": "31/02/2025"}
		r := e.do("POST", "/api/v1/actions", body, e.auth()).expect(400)
		r.expectFields("start_date", "end_date")
		for _, f := range r.fields() {
			if f == "date" {
				t.Errorf("error names a field %q that the body does not have: %s", f, r.Body)
			}
		}
	})
}
