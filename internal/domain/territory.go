package domain

import (
	"strings"
)

// TerritoryType is the kind of a territory.
type TerritoryType string

const (
	TypeRegion         TerritoryType = "region"
	TypeDepartement    TerritoryType = "departement"
	TypeEPCI           TerritoryType = "epci"
	TypeCommune        TerritoryType = "commune"
	TypeArrondissement TerritoryType = "arrondissement_municipal" // Paris, Lyon, Marseille
	TypePerimeter      TerritoryType = "perimetre"                // custom set of communes: CTG perimeter, QPV, bassin de vie
)

// Valid reports whether t is a known territory type.
func (t TerritoryType) Valid() bool {
	switch t {
	case TypeRegion, TypeDepartement, TypeEPCI, TypeCommune, TypeArrondissement, TypePerimeter:
		return true
	}
	return false
}

// RegionPrefix distinguishes région codes from département codes, which
// overlap in the COG ("84" is both Auvergne-Rhône-Alpes and Vaucluse):
// Maillage writes régions "R84".
const RegionPrefix = "R"

// RegionCode returns the Maillage code of the région with INSEE code c.
func RegionCode(c string) string { return RegionPrefix + c }

// Territory is a région, département, EPCI, commune, municipal arrondissement
// or custom perimeter, keyed by its code (INSEE COG code, EPCI SIREN, "R"+région
// code, or a chosen code for a perimeter).
type Territory struct {
	Code        string        `json:"code"`
	Type        TerritoryType `json:"type"`
	Name        string        `json:"name"`
	Departement string        `json:"departement,omitempty"` // for communes, arrondissements, EPCI (of its seat)
	Region      string        `json:"region,omitempty"`      // Maillage région code ("R24")
	Parent      string        `json:"parent,omitempty"`      // commune of an arrondissement municipal; EPCI of a commune
	SIREN       string        `json:"siren,omitempty"`
	Population  *float64      `json:"population"` // latest known (the population indicator)
	PopYear     int           `json:"population_year,omitempty"`
	Lat         *float64      `json:"lat,omitempty"` // centroid (WGS84)
	Lon         *float64      `json:"lon,omitempty"`
	Members     []string      `json:"communes,omitempty"` // EPCI, département, région, perimeter: member commune codes
	Meta
}

// Validate checks a territory's fields.
func (t *Territory) Validate() error {
	var v Validation
	t.Code = strings.TrimSpace(t.Code)
	if t.Code == "" {
		v.Add("code", "obligatoire")
	}
	if !t.Type.Valid() {
		v.Add("type", "type de territoire inconnu %q", t.Type)
	}
	if strings.TrimSpace(t.Name) == "" {
		v.Add("name", "obligatoire")
	}
	switch t.Type {
	case TypeCommune, TypeArrondissement:
		if !IsCommuneCode(t.Code) {
			v.Add("code", "code commune INSEE invalide %q (5 caractères)", t.Code)
		}
	case TypeEPCI:
		if !IsSIREN(t.Code) {
			v.Add("code", "SIREN d'EPCI invalide %q", t.Code)
		}
	}
	if t.Lat != nil && (*t.Lat < -90 || *t.Lat > 90) {
		v.Add("lat", "latitude hors bornes : %v", *t.Lat)
	}
	if t.Lon != nil && (*t.Lon < -180 || *t.Lon > 180) {
		v.Add("lon", "longitude hors bornes : %v", *t.Lon)
	}
	v.MaxLen("code", t.Code, MaxCode)
	v.MaxLen("name", t.Name, MaxName)
	for i, m := range t.Members {
		v.MaxLenOf("communes", nth("commune", i), m, MaxCode)
	}
	t.Meta.Defaults(VisibilityPublic)
	t.Meta.validate(&v)
	return v.Err()
}

// IsCommuneCode reports whether c looks like an INSEE commune code: five
// characters, digits except for Corsica's 2A/2B.
func IsCommuneCode(c string) bool {
	if len(c) != 5 {
		return false
	}
	for i := 0; i < 5; i++ {
		ch := c[i]
		if ch >= '0' && ch <= '9' {
			continue
		}
		if i == 1 && c[0] == '2' && (ch == 'A' || ch == 'B') {
			continue
		}
		return false
	}
	return true
}

// DepartementOfCommune returns the département code of a commune code
// (3 characters overseas: 971..976).
func DepartementOfCommune(c string) string {
	if len(c) != 5 {
		return ""
	}
	if strings.HasPrefix(c, "97") || strings.HasPrefix(c, "98") {
		return c[:3]
	}
	return c[:2]
}

// Alias maps a code that is no longer current (commune déléguée, associée,
// or merged away) to the current commune, so old files still resolve.
type Alias struct {
	Code   string `json:"code"`
	Target string `json:"target"`
	Name   string `json:"name"`
	Reason string `json:"reason"` // commune-deleguee, commune-associee, fusion
}

// Geometry is a territory's outline as a GeoJSON geometry object.
type Geometry struct {
	Code    string `json:"code"`
	GeoJSON []byte `json:"geometry"`
}

// TerritoryFilter selects territories.
type TerritoryFilter struct {
	Type   TerritoryType
	Within string // member of this EPCI, département, région or perimeter
	Parent string
	Text   string // in name or code
	// WithMembers fills Members of group territories (EPCI, département,
	// région, perimeter) with their current communes.
	WithMembers bool
	Offset      int
	Limit       int // 0: no limit (the API sets its own default)
}
