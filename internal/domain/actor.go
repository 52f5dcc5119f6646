package domain

import "strings"

// Actor is an organisation that acts on a territory: CAF, commune, EPCI,
// département, State service, association, centre social, EVS, school,
// company. Actors operate and fund actions.
type Actor struct {
	ID         int64  `json:"id"`
	ExternalID string `json:"external_id"` // the id in the source file (template "id" column), unique per source
	Source     string `json:"source"`      // where it came from: "maillage", "import", "data-inclusion:<source>"
	Name       string `json:"name"`
	Type       string `json:"type"` // actor-type referential
	SIREN      string `json:"siren,omitempty"`
	SIRET      string `json:"siret,omitempty"`
	Commune    string `json:"commune,omitempty"`   // seat
	Territory  string `json:"territory,omitempty"` // for public bodies: the territory it is (commune, EPCI, département)
	Meta
}

// Validate checks an actor's fields against the referentials.
func (a *Actor) Validate(ref *Referentials) error {
	var v Validation
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" {
		v.Add("name", "obligatoire")
	}
	if ref != nil && !ref.Has(RefActorType, a.Type) {
		v.Add("type", "type d'acteur inconnu %q (attendu : %s)", a.Type, strings.Join(ref.Codes(RefActorType), ", "))
	}
	if a.SIREN != "" && !IsSIREN(a.SIREN) {
		v.Add("siren", "SIREN invalide %q (9 chiffres, clé de Luhn)", a.SIREN)
	}
	if a.SIRET != "" {
		if !IsSIRET(a.SIRET) {
			v.Add("siret", "SIRET invalide %q (14 chiffres, clé de Luhn)", a.SIRET)
		} else if a.SIREN != "" && a.SIRET[:9] != a.SIREN {
			v.Add("siret", "le SIRET %q ne commence pas par le SIREN %q", a.SIRET, a.SIREN)
		}
	}
	if a.Commune != "" && !IsCommuneCode(a.Commune) {
		v.Add("commune", "code commune invalide %q", a.Commune)
	}
	v.MaxLen("name", a.Name, MaxName)
	v.MaxLen("external_id", a.ExternalID, MaxName)
	v.MaxLen("source", a.Source, MaxName)
	v.MaxLen("territory", a.Territory, MaxCode)
	if a.Source == "" {
		a.Source = SourceMaillage
	}
	a.Meta.Defaults(VisibilityNetwork)
	a.Meta.validate(&v)
	return v.Err()
}

// ActorFilter selects actors.
type ActorFilter struct {
	Type      string
	Territory string // seat commune within this territory
	Text      string
	Offset    int
	Limit     int
	Sort      string
}

// Sources of records.
const (
	SourceMaillage = "maillage" // created in Maillage (API, web)
	SourceImport   = "import"   // imported from the Maillage template
)
