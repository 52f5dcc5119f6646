package domain

import (
	"context"
	"math"
	"strings"
)

// Kinds of conventions.
const (
	ConventionCTG         = "ctg"                 // Convention territoriale globale
	ConventionCentresSoc  = "convention_cadre_cs" // convention-cadre des centres sociaux
	ConventionCOF         = "cof"                 // convention d'objectifs et de financement
	ConventionSDSF        = "sdsf"                // schéma départemental des services aux familles
	ConventionSDAVS       = "sdavs"               // schéma départemental de l'animation de la vie sociale
	ConventionOtherSchema = "schema"              // autre schéma
)

// ConventionKinds lists the kinds of conventions.
var ConventionKinds = []string{ConventionCTG, ConventionCentresSoc, ConventionCOF, ConventionSDSF, ConventionSDAVS, ConventionOtherSchema}

// Renewal states of a convention.
const (
	RenewalNone       = ""
	RenewalInProgress = "in_progress" // renouvellement en préparation
	RenewalDone       = "renewed"
	RenewalNotPlanned = "not_renewed"
)

// Signatory is a party that signs a convention.
type Signatory struct {
	ActorID  int64  `json:"actor_id,omitempty"`
	OrgID    int64  `json:"org_id,omitempty"`
	Name     string `json:"name"`
	Role     string `json:"role,omitempty"`
	SignedOn *Date  `json:"signed_on,omitempty"`
}

// Amendment is an avenant to a convention.
type Amendment struct {
	Number  int    `json:"number"`
	Date    Date   `json:"date"`
	Summary string `json:"summary"`
}

// Convention is a CTG, a convention-cadre, a COF or a schéma: signatories,
// perimeter, period, themes, the diagnostic it rests on, amendments and an
// action plan of fiches action.
type Convention struct {
	ID           int64       `json:"id"`
	Kind         string      `json:"kind"`
	Title        string      `json:"title"`
	Perimeter    string      `json:"perimeter"` // territory code
	Start        Date        `json:"start"`
	End          Date        `json:"end"`
	Themes       []string    `json:"themes"`
	Signatories  []Signatory `json:"signatories"`
	DiagnosticID int64       `json:"diagnostic_id,omitempty"`
	BodyID       int64       `json:"body_id,omitempty"` // its steering body
	Amendments   []Amendment `json:"amendments"`
	Renewal      string      `json:"renewal"` // "", in_progress, renewed, not_renewed
	Meta
}

// Validate checks a convention's fields.
func (c *Convention) Validate(ref *Referentials) error {
	var v Validation
	if !oneOf(c.Kind, ConventionKinds) {
		v.Add("kind", "type de convention inconnu %q (attendu : %s)", c.Kind, strings.Join(ConventionKinds, ", "))
	}
	c.Title = strings.TrimSpace(c.Title)
	if c.Title == "" {
		v.Add("title", "obligatoire")
	}
	if strings.TrimSpace(c.Perimeter) == "" {
		v.Add("perimeter", "obligatoire : le territoire couvert")
	}
	if c.Start.IsZero() {
		v.Add("start", "obligatoire (AAAA-MM-JJ)")
	}
	if c.End.IsZero() {
		v.Add("end", "obligatoire (AAAA-MM-JJ)")
	}
	if !c.Start.IsZero() && !c.End.IsZero() && !c.End.After(c.Start.Time) {
		v.Add("end", "la fin %s doit suivre le début %s", c.End, c.Start)
	}
	if ref != nil {
		checkCodes(&v, ref, RefTheme, "themes", c.Themes, "thématique")
	}
	for i, s := range c.Signatories {
		if strings.TrimSpace(s.Name) == "" && s.ActorID == 0 && s.OrgID == 0 {
			v.Add("signatories", "signataire n°%d : nom ou acteur obligatoire", i+1)
		}
	}
	for i, a := range c.Amendments {
		if a.Date.IsZero() || strings.TrimSpace(a.Summary) == "" {
			v.Add("amendments", "avenant n°%d : date et objet obligatoires", i+1)
		}
	}
	switch c.Renewal {
	case RenewalNone, RenewalInProgress, RenewalDone, RenewalNotPlanned:
	default:
		v.Add("renewal", "état de renouvellement inconnu %q (attendu : in_progress, renewed, not_renewed)", c.Renewal)
	}
	v.MaxLen("title", c.Title, MaxName)
	v.MaxLen("perimeter", c.Perimeter, MaxCode)
	for i, s := range c.Signatories {
		item := nth("signataire", i)
		v.MaxLenOf("signatories", item, s.Name, MaxName)
		v.MaxLenOf("signatories", item, s.Role, MaxName)
	}
	for i, a := range c.Amendments {
		v.MaxLenOf("amendments", nth("avenant", i), a.Summary, MaxText)
	}
	return partnersMeta(&c.Meta, &v)
}

// Covers reports whether day d lies within the convention's period.
func (c *Convention) Covers(d Date) bool {
	return !d.Before(c.Start.Time) && !d.After(c.End.Time)
}

// BudgetLine is a funder's planned amount for a fiche and a year.
type BudgetLine struct {
	FunderID   int64   `json:"funder_id,omitempty"` // actor
	FunderName string  `json:"funder_name,omitempty"`
	Year       int     `json:"year"`
	Amount     float64 `json:"amount"` // euros
}

// Milestone is a dated step of a fiche's schedule.
type Milestone struct {
	Date  Date   `json:"date"`
	Title string `json:"title"`
	Done  bool   `json:"done"`
}

// FicheIndicator is an indicator followed by a fiche action: a baseline, a
// target and dated measurements (stored as Measurement).
type FicheIndicator struct {
	Key          string  `json:"key"` // unique in the fiche
	Label        string  `json:"label"`
	Unit         string  `json:"unit,omitempty"`
	Indicator    string  `json:"indicator,omitempty"` // catalogue code when it is one
	Baseline     float64 `json:"baseline"`
	BaselineDate *Date   `json:"baseline_date,omitempty"`
	Target       float64 `json:"target"`
	TargetDate   *Date   `json:"target_date,omitempty"`
}

// Fiche statuses.
const (
	FichePlanned    = "planned"
	FicheInProgress = "in_progress"
	FicheDone       = "done"
	FicheAbandoned  = "abandoned"
)

// FicheAction is one action sheet of a convention's action plan.
type FicheAction struct {
	ID           int64            `json:"id"`
	ConventionID int64            `json:"convention_id"`
	Number       string           `json:"number"` // "1.2"
	Axis         string           `json:"axis,omitempty"`
	Title        string           `json:"title"`
	Objective    string           `json:"objective"`
	Theme        string           `json:"theme,omitempty"`
	LeadActorID  int64            `json:"lead_actor_id,omitempty"`
	LeadName     string           `json:"lead_name,omitempty"`
	Partners     []int64          `json:"partners,omitempty"` // actors
	Budget       []BudgetLine     `json:"budget"`
	Start        *Date            `json:"start,omitempty"`
	End          *Date            `json:"end,omitempty"`
	Milestones   []Milestone      `json:"milestones,omitempty"`
	Actions      []int64          `json:"actions,omitempty"` // linked actions
	Indicators   []FicheIndicator `json:"indicators"`
	Priorities   []string         `json:"priorities,omitempty"` // diagnostic priority keys it answers
	Status       string           `json:"status"`
	Meta
}

// Validate checks a fiche against its convention (period, themes).
func (f *FicheAction) Validate(c *Convention, ref *Referentials) error {
	var v Validation
	if f.ConventionID == 0 {
		v.Add("convention_id", "obligatoire")
	}
	f.Title = strings.TrimSpace(f.Title)
	if f.Title == "" {
		v.Add("title", "obligatoire")
	}
	if strings.TrimSpace(f.Objective) == "" {
		v.Add("objective", "obligatoire")
	}
	if f.LeadActorID == 0 && strings.TrimSpace(f.LeadName) == "" {
		v.Add("lead_actor_id", "obligatoire : l'organisation pilote de la fiche")
	}
	if f.Theme != "" && ref != nil && !ref.Has(RefTheme, f.Theme) {
		v.Add("theme", "thématique inconnue %q", f.Theme)
	}
	for i, b := range f.Budget {
		if b.FunderID == 0 && strings.TrimSpace(b.FunderName) == "" {
			v.Add("budget", "ligne n°%d : financeur obligatoire", i+1)
		}
		if b.Amount < 0 || math.IsNaN(b.Amount) || math.IsInf(b.Amount, 0) {
			v.Add("budget", "ligne n°%d : montant invalide %v", i+1, b.Amount)
		}
		if c != nil && (b.Year < c.Start.Year() || b.Year > c.End.Year()) {
			v.Add("budget", "ligne n°%d : année %d hors de la période de la convention (%d–%d)", i+1, b.Year, c.Start.Year(), c.End.Year())
		}
	}
	if f.Start != nil && f.End != nil && f.End.Before(f.Start.Time) {
		v.Add("end", "la fin %s précède le début %s", f.End, f.Start)
	}
	keys := map[string]bool{}
	for i, ind := range f.Indicators {
		if !IsCode(ind.Key) {
			v.Add("indicators", "indicateur n°%d : clé invalide %q (minuscules, chiffres et _)", i+1, ind.Key)
		}
		if keys[ind.Key] {
			v.Add("indicators", "indicateur n°%d : clé %q en double", i+1, ind.Key)
		}
		keys[ind.Key] = true
		if strings.TrimSpace(ind.Label) == "" {
			v.Add("indicators", "indicateur n°%d : libellé obligatoire", i+1)
		}
		if math.IsNaN(ind.Baseline) || math.IsNaN(ind.Target) || math.IsInf(ind.Baseline, 0) || math.IsInf(ind.Target, 0) {
			v.Add("indicators", "indicateur n°%d : valeur de référence ou cible non numérique", i+1)
		}
	}
	if f.Status == "" {
		f.Status = FichePlanned
	}
	switch f.Status {
	case FichePlanned, FicheInProgress, FicheDone, FicheAbandoned:
	default:
		v.Add("status", "statut inconnu %q (attendu : planned, in_progress, done, abandoned)", f.Status)
	}
	v.MaxLen("number", f.Number, MaxCode)
	v.MaxLen("axis", f.Axis, MaxName)
	v.MaxLen("title", f.Title, MaxName)
	v.MaxLen("objective", f.Objective, MaxText)
	v.MaxLen("lead_name", f.LeadName, MaxName)
	for i, b := range f.Budget {
		v.MaxLenOf("budget", nth("ligne", i), b.FunderName, MaxName)
	}
	for i, m := range f.Milestones {
		v.MaxLenOf("milestones", nth("jalon", i), m.Title, MaxName)
	}
	for i, ind := range f.Indicators {
		item := nth("indicateur", i)
		v.MaxLenOf("indicators", item, ind.Key, MaxCode)
		v.MaxLenOf("indicators", item, ind.Label, MaxName)
		v.MaxLenOf("indicators", item, ind.Unit, MaxName)
	}
	for i, k := range f.Priorities {
		v.MaxLenOf("priorities", nth("priorité", i), k, MaxCode)
	}
	return partnersMeta(&f.Meta, &v)
}

// Indicator returns the fiche's indicator with key k.
func (f *FicheAction) Indicator(k string) (FicheIndicator, bool) {
	for _, ind := range f.Indicators {
		if ind.Key == k {
			return ind, true
		}
	}
	return FicheIndicator{}, false
}

// Measurement is a dated value of a fiche's indicator.
type Measurement struct {
	ID           int64   `json:"id"`
	ConventionID int64   `json:"convention_id"`
	FicheID      int64   `json:"fiche_id"`
	Indicator    string  `json:"indicator"` // FicheIndicator.Key
	Date         Date    `json:"date"`
	Value        float64 `json:"value"`
	Comment      string  `json:"comment,omitempty"`
	Meta
}

// Validate checks a measurement against its fiche and convention: a known
// indicator and a date within the convention's period.
func (m *Measurement) Validate(f *FicheAction, c *Convention) error {
	var v Validation
	if m.FicheID == 0 {
		v.Add("fiche_id", "obligatoire")
	}
	if f != nil {
		if _, ok := f.Indicator(m.Indicator); !ok {
			keys := make([]string, len(f.Indicators))
			for i, ind := range f.Indicators {
				keys[i] = ind.Key
			}
			v.Add("indicator", "indicateur %q inconnu dans la fiche (attendu : %s)", m.Indicator, strings.Join(keys, ", "))
		}
	}
	if m.Date.IsZero() {
		v.Add("date", "obligatoire (AAAA-MM-JJ)")
	} else if c != nil && !c.Covers(m.Date) {
		v.Add("date", "la mesure du %s est hors de la période de la convention (%s – %s)", m.Date, c.Start, c.End)
	}
	if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
		v.Add("value", "valeur non numérique")
	}
	v.MaxLen("comment", m.Comment, MaxText)
	return partnersMeta(&m.Meta, &v)
}

// ConventionFilter selects conventions.
type ConventionFilter struct {
	Kind       string
	Perimeter  string
	Theme      string
	Diagnostic int64
	ActiveOn   *Date // whose period covers that day
	Offset     int
	Limit      int
}

// MeasurementFilter selects measurements.
type MeasurementFilter struct {
	Convention int64
	Fiche      int64
}

// ConventionStore stores conventions, their fiches action and measurements.
// Updates check the version (ECONFLICT when stale).
type ConventionStore interface {
	CreateConvention(ctx context.Context, c *Convention) error
	Convention(ctx context.Context, id int64) (*Convention, error)
	Conventions(ctx context.Context, f ConventionFilter) (Page[Convention], error)
	UpdateConvention(ctx context.Context, c *Convention) error
	DeleteConvention(ctx context.Context, id int64) error // and its fiches and measurements

	CreateFiche(ctx context.Context, f *FicheAction) error
	Fiche(ctx context.Context, id int64) (*FicheAction, error)
	Fiches(ctx context.Context, convention int64) ([]FicheAction, error)
	UpdateFiche(ctx context.Context, f *FicheAction) error
	DeleteFiche(ctx context.Context, id int64) error // and its measurements

	AddMeasurement(ctx context.Context, m *Measurement) error
	Measurements(ctx context.Context, f MeasurementFilter) ([]Measurement, error) // by fiche, indicator, date
	DeleteMeasurement(ctx context.Context, id int64) error
}

// RecordRef implements Record.
func (c *Convention) RecordRef() (*int64, *Meta) { return &c.ID, &c.Meta }

// RecordRef implements Record.
func (f *FicheAction) RecordRef() (*int64, *Meta) { return &f.ID, &f.Meta }

// RecordRef implements Record.
func (m *Measurement) RecordRef() (*int64, *Meta) { return &m.ID, &m.Meta }
