package api

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"maillage/internal/domain"
)

// FuzzDecodeBody feeds arbitrary bodies to the JSON decoder of the API: it
// must never panic, and must either decode or answer a 4xx problem naming
// what is wrong.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{
		`{"title":"x","operator_id":1,"themes":["enfance"],"zone":["18033"]}`,
		`{"title":"x","capcity":3}`,
		`{"roles":[{"actor_id":1,"role":"finance","rank":2}]}`,
		`{"start_date":"01/09/2024","end_date":"2024-13-45"}`,
		`{"capacity":"beaucoup"}`,
		`[{"territory":"18033","indicator":"population","year":2021,"value":1}]`,
		`{"title":`, `null`, ``, `{} {}`, `{"fundings":[{"id":"x"}]}`,
		`{"a":{"b":{"c":[1,2,{"d":null}]}}}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, dst := range []any{&domain.Action{}, &[]domain.IndicatorValue{}, &domain.Territory{}} {
			r := httptest.NewRequest("POST", "/", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			err := decodeBody(r, dst)
			if err == nil {
				continue
			}
			var he *httpError
			if !errors.As(err, &he) {
				p := problemOf(err)
				if p.Status >= 500 {
					t.Fatalf("body %q: internal error %v", body, err)
				}
				continue
			}
			if he.Status < 400 || he.Status >= 500 || he.Message == "" {
				t.Fatalf("body %q: %+v", body, he)
			}
		}
	})
}

func TestUnknownFieldsNamed(t *testing.T) {
	body := `{"title":"x","zone":["18033"],"capcity":3,"roles":[{"actor_id":1,"rank":2},{"role":"finance","x":1}],"meta":{}}`
	r := httptest.NewRequest("POST", "/", bytes.NewReader([]byte(body)))
	err := decodeBody(r, &domain.Action{})
	var he *httpError
	if !errors.As(err, &he) || he.Status != http.StatusBadRequest {
		t.Fatalf("err %v", err)
	}
	var got []string
	for _, f := range he.Fields {
		got = append(got, f.Field)
	}
	want := "capcity meta roles[0].rank roles[1].x"
	if strings.Join(got, " ") != want {
		t.Errorf("fields %v, want %s", got, want)
	}
	// Embedded Meta fields are known, at the top level.
	r = httptest.NewRequest("POST", "/", strings.NewReader(`{"title":"x","version":3,"visibility":"public","owner_org":1,"created_at":"2024-01-01T00:00:00Z"}`))
	if err := decodeBody(r, &domain.Action{}); err != nil {
		t.Errorf("meta fields refused: %v", err)
	}
}
