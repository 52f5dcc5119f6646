package api_test

import (
	"fmt"
	"testing"

	"maillage/internal/api"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// TestQueryParameters: the core routes refuse undeclared parameters (a typo
// must not silently widen a filter), and list links can be followed.
func TestQueryParameters(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		loadFixture(t, s)
		r := e.do("GET", "/api/v1/actions?thme=parentalite&territory=18", nil, nil).expect(400)
		r.expectFields("thme")
		e.do("GET", "/api/v1/territories/18?x=1", nil, nil).expect(400).expectFields("x")
		e.do("GET", "/api/v1/referentials?kind=theme", nil, nil).expect(400).expectFields("kind")
		// Children: paged, links followable.
		var l api.List[domain.Territory]
		e.do("GET", "/api/v1/territories/18/children?limit=2", nil, nil).expect(200).decode(&l)
		if l.Total != 5 || len(l.Items) != 2 || l.Links.Next == "" {
			t.Fatalf("children page: %+v", l)
		}
		seen := len(l.Items)
		for next := l.Links.Next; next != ""; {
			var p api.List[domain.Territory]
			e.do("GET", next, nil, nil).expect(200).decode(&p)
			seen += len(p.Items)
			next = p.Links.Next
		}
		if seen != 5 {
			t.Errorf("children through links: %d", seen)
		}
		e.do("GET", "/api/v1/territories/18/children?offset=-1", nil, nil).expect(400).expectFields("offset")
		e.do("GET", fmt.Sprintf("/api/v1/territories/18/children?offset=%d", 10), nil, nil).expect(200)
	})
}
