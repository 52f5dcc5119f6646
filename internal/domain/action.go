package domain

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Date is a calendar day (no time, no zone), written YYYY-MM-DD in JSON.
type Date struct{ time.Time }

// ParseDate reads ISO (2024-09-01) or French (01/09/2024) dates.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "02/01/2006", "2/1/2006", "02-01-2006", "2006/01/02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return Date{t}, nil
		}
	}
	return Date{}, fmt.Errorf("date invalide %q (attendu AAAA-MM-JJ ou JJ/MM/AAAA)", s)
}

func (d Date) String() string { return d.Format("2006-01-02") }

func (d Date) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

func (d *Date) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*d = Date{}
		return nil
	}
	p, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// Action status values.
const (
	StatusActive  = "active"
	StatusPlanned = "prevue"
	StatusEnded   = "terminee"
)

// Role of an actor in an action (mode d'intervention).
const (
	RoleFinance    = "finance"
	RoleOperate    = "operate"
	RoleCoordinate = "coordinate"
	RoleAnimate    = "network_animation"
	RoleInform     = "inform_orient"
)

// ActionRole links an actor to an action with a role other than operator or
// funder (those come from OperatorID and Fundings).
type ActionRole struct {
	ActorID int64  `json:"actor_id"`
	Role    string `json:"role"`
}

// Action is a service, project or scheme (dispositif) run on a territory.
type Action struct {
	ID          int64        `json:"id"`
	ExternalID  string       `json:"external_id"`
	Source      string       `json:"source"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	OperatorID  int64        `json:"operator_id"` // porteur
	Themes      []string     `json:"themes"`
	Publics     []string     `json:"publics"`
	Labels      []string     `json:"labels"`
	Zone        []string     `json:"zone"`     // territory codes it serves: communes, EPCI, départements
	Places      []string     `json:"places"`   // communes where it takes place (optional)
	Capacity    float64      `json:"capacity"` // places or participants a year
	StartDate   *Date        `json:"start_date"`
	EndDate     *Date        `json:"end_date"`
	Status      string       `json:"status"`
	Roles       []ActionRole `json:"roles,omitempty"`
	Fundings    []Funding    `json:"fundings,omitempty"` // filled on read of one action
	Meta
}

// Validate checks an action's own fields against the referentials. Territory
// codes and actor ids are checked against the data by the caller (importer,
// store), which knows them.
func (a *Action) Validate(ref *Referentials) error {
	var v Validation
	a.Title = strings.TrimSpace(a.Title)
	if a.Title == "" {
		v.Add("title", "obligatoire")
	}
	if a.OperatorID == 0 {
		v.Add("operator_id", "obligatoire : l'acteur qui porte l'action")
	}
	if len(a.Themes) == 0 {
		v.Add("themes", "au moins une thématique")
	}
	if ref != nil {
		checkCodes(&v, ref, RefTheme, "themes", a.Themes, "thématique")
		checkCodes(&v, ref, RefPublic, "publics", a.Publics, "public")
		checkCodes(&v, ref, RefLabel, "labels", a.Labels, "label")
	}
	if len(a.Zone) == 0 && len(a.Places) == 0 {
		v.Add("zone", "au moins un territoire servi (ou une commune d'implantation)")
	}
	for _, p := range a.Places {
		if !IsCommuneCode(p) {
			v.Add("commune", "code commune invalide %q", p)
		}
	}
	if a.Capacity < 0 || math.IsNaN(a.Capacity) || math.IsInf(a.Capacity, 0) {
		v.Add("capacity", "capacité invalide %v (nombre positif)", a.Capacity)
	}
	if a.StartDate != nil && a.EndDate != nil && a.EndDate.Before(a.StartDate.Time) {
		v.Add("end_date", "la date de fin %s précède la date de début %s", a.EndDate, a.StartDate)
	}
	switch a.Status {
	case "":
		a.Status = StatusActive
	case StatusActive, StatusPlanned, StatusEnded:
	default:
		v.Add("status", "statut inconnu %q (attendu : active, prevue, terminee)", a.Status)
	}
	for _, r := range a.Roles {
		switch r.Role {
		case RoleFinance, RoleOperate, RoleCoordinate, RoleAnimate, RoleInform:
		default:
			v.Add("roles", "rôle inconnu %q", r.Role)
		}
	}
	v.MaxLen("title", a.Title, MaxName)
	v.MaxLen("description", a.Description, MaxText)
	v.MaxLen("external_id", a.ExternalID, MaxName)
	v.MaxLen("source", a.Source, MaxName)
	for i, z := range a.Zone {
		v.MaxLenOf("zone", nth("territoire", i), z, MaxCode)
	}
	if a.Source == "" {
		a.Source = SourceMaillage
	}
	a.Meta.Defaults(VisibilityNetwork)
	a.Meta.validate(&v)
	return v.Err()
}

func checkCodes(v *Validation, ref *Referentials, kind, field string, codes []string, what string) {
	for _, c := range codes {
		if !ref.Has(kind, c) {
			v.Add(field, "%s inconnu(e) %q", what, c)
		}
	}
}

// ActiveIn reports whether the action's period intersects the calendar year.
func (a *Action) ActiveIn(year int) bool {
	if a.StartDate != nil && a.StartDate.Year() > year {
		return false
	}
	if a.EndDate != nil && a.EndDate.Year() < year {
		return false
	}
	return true
}

// Funding is one funder's amount for an action and a year (financement).
type Funding struct {
	ID       int64   `json:"id"`
	ActionID int64   `json:"action_id"`
	FunderID int64   `json:"funder_id"`
	Year     int     `json:"year"`
	Amount   float64 `json:"amount"` // euros
	Meta
}

// Validate checks a funding's own fields.
func (f *Funding) Validate() error {
	var v Validation
	if f.ActionID == 0 {
		v.Add("action_id", "obligatoire")
	}
	if f.FunderID == 0 {
		v.Add("funder_id", "obligatoire")
	}
	if f.Year < 1900 || f.Year > 2200 {
		v.Add("year", "année invalide %d", f.Year)
	}
	if f.Amount < 0 || math.IsNaN(f.Amount) || math.IsInf(f.Amount, 0) {
		v.Add("amount", "montant invalide %v (euros, positif)", f.Amount)
	}
	f.Meta.Defaults(VisibilityNetwork)
	f.Meta.validate(&v)
	return v.Err()
}

// ActionFilter selects actions. Territory selects actions whose zone or place
// touches the territory's communes (an EPCI or département code selects all
// its communes).
type ActionFilter struct {
	Territory string
	Theme     string
	Public    string
	Label     string
	Year      int
	Operator  int64
	Funder    int64
	Text      string // in title or description
	Sort      string // "title", "-title", "id", "-id", "capacity", "-capacity", "start_date", "-start_date", "updated_at", "-updated_at"
	Offset    int
	Limit     int
}

// FundingFilter selects fundings.
type FundingFilter struct {
	Action int64
	Funder int64
	Year   int
	Offset int
	Limit  int
}
