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
		// Conditional GET: 304 while the version holds, 200 after a change.
		var a domain.Actor
		r = e.do("GET", "/api/v1/indicators/population", nil, nil).expect(200)
		etag := r.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		r = e.do("GET", "/api/v1/indicators/population", nil, hdr{"If-None-Match": etag}).expect(304)
		if len(r.Body) != 0 {
			t.Errorf("304 with a body: %q", r.Body)
		}
		e.do("GET", "/api/v1/indicators/population", nil, hdr{"If-None-Match": "W/" + etag}).expect(304)
		e.do("GET", "/api/v1/territories/18033", nil, hdr{"If-None-Match": `"999"`}).expect(200)
		e.do("POST", "/api/v1/actors", domain.Actor{Name: "Ludothèque", Type: "association"}, e.auth()).expect(201).decode(&a)
		path := fmt.Sprintf("/api/v1/actors/%d", a.ID)
		e.do("GET", path, nil, hdr{"If-None-Match": `"1"`}).expect(304)
		a.Name = "Ludothèque municipale"
		e.do("PUT", path, a, e.auth()).expect(200)
		e.do("GET", path, nil, hdr{"If-None-Match": `"1"`}).expect(200).decode(&a)
		if a.Version != 2 || a.Name != "Ludothèque municipale" {
			t.Errorf("after update: %+v", a)
		}
		e.do("GET", "/api/v1/territories/18/children?offset=-1", nil, nil).expect(400).expectFields("offset")
		e.do("GET", fmt.Sprintf("/api/v1/territories/18/children?offset=%d", 10), nil, nil).expect(200)
	})
}
