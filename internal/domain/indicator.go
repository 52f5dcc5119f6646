package domain

import (
	"math"
	"regexp"
	"strings"
)

// Indicator is a catalogue entry: what is counted, in which unit, from which
// source. Needs are indicators (population by age band, families...).
type Indicator struct {
	Code       string   `json:"code"`
	Label      string   `json:"label"`
	Unit       string   `json:"unit"`
	Source     string   `json:"source"`
	Definition string   `json:"definition"`
	Publics    []string `json:"publics"` // which publics it counts, from the publics referential
	Meta
}

var codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)

// IsCode reports whether c is a valid referential or indicator code:
// lower-case ASCII letters, digits and underscores.
func IsCode(c string) bool { return codePattern.MatchString(c) }

// Validate checks an indicator's fields.
func (ind *Indicator) Validate(ref *Referentials) error {
	var v Validation
	ind.Code = strings.TrimSpace(ind.Code)
	if !IsCode(ind.Code) {
		v.Add("code", "code d'indicateur invalide %q (minuscules, chiffres et _)", ind.Code)
	}
	if strings.TrimSpace(ind.Label) == "" {
		v.Add("label", "obligatoire")
	}
	if ref != nil {
		for _, p := range ind.Publics {
			if !ref.Has(RefPublic, p) {
				v.Add("publics", "public inconnu %q", p)
			}
		}
	}
	v.MaxLen("code", ind.Code, MaxCode)
	v.MaxLen("label", ind.Label, MaxName)
	v.MaxLen("unit", ind.Unit, MaxName)
	v.MaxLen("source", ind.Source, MaxName)
	v.MaxLen("definition", ind.Definition, MaxText)
	ind.Meta.Defaults(VisibilityPublic)
	ind.Meta.validate(&v)
	return v.Err()
}

// IndicatorValue is the value of an indicator for a territory and a year.
// Values inherit the owner and visibility of their indicator.
type IndicatorValue struct {
	Territory string  `json:"territory"`
	Indicator string  `json:"indicator"`
	Year      int     `json:"year"`
	Value     float64 `json:"value"`
}

// Validate checks a value's own fields (existence of the territory and the
// indicator is checked by the importer and the store).
func (iv *IndicatorValue) Validate() error {
	var v Validation
	if iv.Territory == "" {
		v.Add("territory", "obligatoire")
	}
	if !IsCode(iv.Indicator) {
		v.Add("indicator", "code d'indicateur invalide %q", iv.Indicator)
	}
	v.MaxLen("territory", iv.Territory, MaxCode)
	if iv.Year < 1800 || iv.Year > 2200 {
		v.Add("year", "année invalide %d", iv.Year)
	}
	if math.IsNaN(iv.Value) || math.IsInf(iv.Value, 0) {
		v.Add("value", "valeur non numérique")
	}
	return v.Err()
}

// IndicatorValueFilter selects indicator values.
type IndicatorValueFilter struct {
	Indicator string
	Territory string // a commune, or an EPCI/département/région code: its communes
	Year      int
	Offset    int
	Limit     int
}
