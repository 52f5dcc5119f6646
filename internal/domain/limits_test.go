package domain

import (
	"errors"
	"strings"
	"testing"
)

// TestTextLimits: every Validate refuses a text over its limit, counted in
// characters, with a French reason on the field at fault.
func TestTextLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) } // 2 bytes a character
	name, text, code := long(MaxName+1), long(MaxText+1), strings.Repeat("1", MaxCode+1)
	d, _ := ParseDate("2025-01-01")
	cases := []struct {
		name, field string
		validate    func() error
	}{
		{"actor 3 Mo", "name", func() error {
			return (&Actor{Name: strings.Repeat("a", 3<<20), Type: "association"}).Validate(nil)
		}},
		{"action title", "title", func() error {
			return (&Action{Title: name, OperatorID: 1, Themes: []string{"x"}, Zone: []string{"18033"}}).Validate(nil)
		}},
		{"action description", "description", func() error {
			return (&Action{Title: "t", Description: text, OperatorID: 1, Themes: []string{"x"}, Zone: []string{"18033"}}).Validate(nil)
		}},
		{"indicator label", "label", func() error { return (&Indicator{Code: "x", Label: name}).Validate(nil) }},
		{"indicator definition", "definition", func() error { return (&Indicator{Code: "x", Label: "l", Definition: text}).Validate(nil) }},
		{"indicator code", "code", func() error { return (&Indicator{Code: strings.Repeat("a", MaxCode+1), Label: "l"}).Validate(nil) }},
		{"perimeter code", "code", func() error { return (&Territory{Code: code, Type: TypePerimeter, Name: "p"}).Validate() }},
		{"perimeter name", "name", func() error { return (&Territory{Code: "p1", Type: TypePerimeter, Name: name}).Validate() }},
		{"diagnostic description", "description", func() error {
			return (&Diagnostic{Title: "t", Description: text, Perimeter: "18", Themes: []string{"x"}}).Validate(nil)
		}},
		{"activity notes", "notes", func() error {
			return (&Activity{DiagnosticID: 1, Kind: ActivityInterview, Title: "t", Date: d, Notes: text}).Validate()
		}},
		{"finding statement", "statement", func() error {
			return (&Finding{DiagnosticID: 1, Statement: text, Theme: "x", AuthorOrg: 1}).Validate(nil)
		}},
		{"position comment", "comment", func() error {
			return (&Position{FindingID: 1, OrgID: 1, Stance: StanceNuance, Comment: text}).Validate()
		}},
		{"restitution priority", "priorities", func() error {
			return (&Restitution{DiagnosticID: 1, Date: d, Priorities: []Priority{{Key: "a", Title: name}}}).Validate()
		}},
		{"body member", "members", func() error {
			return (&Body{Name: "b", Kind: BodySteering, Members: []Member{{OrgID: 1, Role: name}}}).Validate(nil)
		}},
		{"meeting minutes", "minutes", func() error { return (&Meeting{BodyID: 1, Date: d, Minutes: text}).Validate() }},
		{"decision text", "text", func() error { return (&Decision{BodyID: 1, Text: text, OwnerOrgID: 1, DueDate: &d}).Validate() }},
		{"convention title", "title", func() error {
			e, _ := ParseDate("2028-12-31")
			return (&Convention{Kind: ConventionKinds[0], Title: name, Perimeter: "18", Start: d, End: e}).Validate(nil)
		}},
		{"fiche objective", "objective", func() error {
			e, _ := ParseDate("2028-12-31")
			c := &Convention{Start: d, End: e}
			return (&FicheAction{ConventionID: 1, Title: "t", Objective: text, LeadActorID: 1}).Validate(c, nil)
		}},
	}
	for _, c := range cases {
		err := c.validate()
		var de *Error
		if err == nil || !errors.As(err, &de) {
			t.Errorf("%s: accepted (%v)", c.name, err)
			continue
		}
		found := false
		for _, f := range de.Fields {
			if f.Field == c.field && strings.Contains(f.Reason, "caractères au plus") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no length error on %s: %v", c.name, c.field, de.Fields)
		}
	}

	// at the limit, in characters and not bytes, it passes
	var v Validation
	v.MaxLen("name", long(MaxName), MaxName)
	v.MaxLen("code", strings.Repeat("1", MaxCode), MaxCode)
	if v.Err() != nil {
		t.Errorf("texts at the limit refused: %v", v.Fields())
	}
	v.MaxLen("name", long(MaxName+1), MaxName)
	if f := v.Fields(); len(f) != 1 || f[0].Reason != "300 caractères au plus (301 reçus)" {
		t.Errorf("reason: %v", f)
	}
}
