package api_test

import (
	"testing"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// TestBadTypeInArrayNamesItsIndex: a wrongly typed value inside an array
// body is named with its index ("[2].value"), not just "value", so that a
// script sending a thousand values knows which one is wrong.
func TestBadTypeInArrayNamesItsIndex(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		loadFixture(t, s)
		body := []map[string]any{
			{"territory": "18033", "indicator": "population", "year": 2025, "value": 3},
			{"territory": "18033", "indicator": "population", "year": 2024, "value": 4},
			{"territory": "18033", "indicator": "population", "year": 2023, "value": "x"},
		}
		e.do("PUT", "/api/v1/indicator-values", body, e.auth()).expect(400).expectFields("[2].value")
		// Objects keep their plain field names.
		e.do("POST", "/api/v1/actors", map[string]any{"name": 12, "type": "association"}, e.auth()).
			expect(400).expectFields("name")
	})
}
