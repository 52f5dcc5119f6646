package domain

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// Stages of a shared diagnostic (diagnostic partagé), in order.
const (
	StagePreparation = "preparation"
	StageFieldwork   = "fieldwork"   // terrain
	StageRestitution = "restitution" // restitution-débat
	StageValidated   = "validated"
	StageFollowUp    = "follow_up" // suivi
)

// Stages lists the stages in their order.
var Stages = []string{StagePreparation, StageFieldwork, StageRestitution, StageValidated, StageFollowUp}

// StageLabel is the French label of a stage.
func StageLabel(s string) string {
	switch s {
	case StagePreparation:
		return "Préparation"
	case StageFieldwork:
		return "Terrain"
	case StageRestitution:
		return "Restitution-débat"
	case StageValidated:
		return "Validé"
	case StageFollowUp:
		return "Suivi"
	}
	return s
}

// StageIndex returns the position of a stage in Stages, or -1.
func StageIndex(s string) int {
	for i, st := range Stages {
		if st == s {
			return i
		}
	}
	return -1
}

// Participant is an organisation taking part in a diagnostic. Its actor type
// (from the organisation's actor) places it in a kind of actors (CAF,
// collectivités, associations...) for the crossing of viewpoints.
type Participant struct {
	OrgID     int64  `json:"org_id"`
	Name      string `json:"name"`
	ActorID   int64  `json:"actor_id,omitempty"`
	ActorType string `json:"actor_type"`     // actor-type referential
	Role      string `json:"role,omitempty"` // pilote, partenaire, observatoire...
}

// StageMove records a move between stages: who and when.
type StageMove struct {
	From   string    `json:"from"`
	To     string    `json:"to"`
	At     time.Time `json:"at"`
	UserID int64     `json:"user_id,omitempty"`
	OrgID  int64     `json:"org_id,omitempty"`
	Note   string    `json:"note,omitempty"`
}

// Diagnostic is a shared diagnostic: a scope (perimeter, themes, period), its
// participants, a steering body, and its stage.
type Diagnostic struct {
	ID             int64         `json:"id"`
	Title          string        `json:"title"`
	Description    string        `json:"description"`
	Perimeter      string        `json:"perimeter"` // territory code: EPCI, commune, département or custom perimeter
	Themes         []string      `json:"themes"`
	Publics        []string      `json:"publics,omitempty"`
	PeriodStart    *Date         `json:"period_start"`
	PeriodEnd      *Date         `json:"period_end"`
	Participants   []Participant `json:"participants"`
	SteeringBodyID int64         `json:"steering_body_id,omitempty"`
	Stage          string        `json:"stage"`
	StageMoves     []StageMove   `json:"stage_moves"`
	Meta
}

// Participant returns the participant with organisation id org.
func (d *Diagnostic) Participant(org int64) (Participant, bool) {
	for _, p := range d.Participants {
		if p.OrgID == org {
			return p, true
		}
	}
	return Participant{}, false
}

// Validate checks a diagnostic's own fields (the perimeter's existence is
// checked by the caller, which knows the territories).
func (d *Diagnostic) Validate(ref *Referentials) error {
	var v Validation
	d.Title = strings.TrimSpace(d.Title)
	if d.Title == "" {
		v.Add("title", "obligatoire")
	}
	if strings.TrimSpace(d.Perimeter) == "" {
		v.Add("perimeter", "obligatoire : le territoire du diagnostic (EPCI, commune, périmètre)")
	}
	if len(d.Themes) == 0 {
		v.Add("themes", "au moins une thématique")
	}
	if ref != nil {
		checkCodes(&v, ref, RefTheme, "themes", d.Themes, "thématique")
		checkCodes(&v, ref, RefPublic, "publics", d.Publics, "public")
	}
	if d.PeriodStart != nil && d.PeriodEnd != nil && d.PeriodEnd.Before(d.PeriodStart.Time) {
		v.Add("period_end", "la fin de période %s précède le début %s", d.PeriodEnd, d.PeriodStart)
	}
	seen := map[int64]bool{}
	for i, p := range d.Participants {
		if p.OrgID <= 0 {
			v.Add("participants", "participant n°%d : organisation (org_id) obligatoire", i+1)
			continue
		}
		if seen[p.OrgID] {
			v.Add("participants", "l'organisation %d figure deux fois", p.OrgID)
		}
		seen[p.OrgID] = true
		if ref != nil && p.ActorType != "" && !ref.Has(RefActorType, p.ActorType) {
			v.Add("participants", "type d'acteur inconnu %q pour l'organisation %d", p.ActorType, p.OrgID)
		}
	}
	if d.Stage == "" {
		d.Stage = StagePreparation
	}
	if StageIndex(d.Stage) < 0 {
		v.Add("stage", "étape inconnue %q (attendu : %s)", d.Stage, strings.Join(Stages, ", "))
	}
	v.MaxLen("title", d.Title, MaxName)
	v.MaxLen("description", d.Description, MaxText)
	v.MaxLen("perimeter", d.Perimeter, MaxCode)
	for i, p := range d.Participants {
		item := nth("participant", i)
		v.MaxLenOf("participants", item, p.Name, MaxName)
		v.MaxLenOf("participants", item, p.Role, MaxName)
	}
	for i, m := range d.StageMoves {
		v.MaxLenOf("stage_moves", nth("étape", i), m.Note, MaxText)
	}
	return partnersMeta(&d.Meta, &v)
}

// DiagnosticFilter selects diagnostics.
type DiagnosticFilter struct {
	Perimeter string
	Theme     string
	Stage     string
	Org       int64 // participant or owner
	Text      string
	Offset    int
	Limit     int
}

// Portrait is a diagnostic's frozen data portrait: the analysis parameters,
// the data version and the analysis result at that date, stored as they
// were so that the portrait reads the same after the data changed.
type Portrait struct {
	ID           int64           `json:"id"`
	DiagnosticID int64           `json:"diagnostic_id"`
	TakenAt      time.Time       `json:"taken_at"`
	DataVersion  int64           `json:"data_version"`
	Params       json.RawMessage `json:"params"`
	Result       json.RawMessage `json:"result"`
	Meta
}

// Kinds of fieldwork activities.
const (
	ActivityInterview     = "interview"     // entretien
	ActivitySiteVisit     = "site_visit"    // visite de site
	ActivityWorkingGroup  = "working_group" // groupe de travail
	ActivityQuestionnaire = "questionnaire" // questionnaire
	ActivityDataAnalysis  = "data_analysis" // analyse de données
)

// ActivityKinds lists the fieldwork kinds.
var ActivityKinds = []string{ActivityInterview, ActivitySiteVisit, ActivityWorkingGroup, ActivityQuestionnaire, ActivityDataAnalysis}

// ActivityParticipant is an organisation (and its role) taking part in an
// activity. Person is a person's name, only where needed: it makes the
// activity carry personal data.
type ActivityParticipant struct {
	OrgID   int64  `json:"org_id,omitempty"`
	ActorID int64  `json:"actor_id,omitempty"`
	Name    string `json:"name,omitempty"` // organisation name when it has no account
	Role    string `json:"role,omitempty"` // directeur·rice, animateur·rice, élu·e...
	Person  string `json:"person,omitempty"`
}

// Activity is a piece of fieldwork: interview, site visit, working group,
// questionnaire or data analysis.
type Activity struct {
	ID           int64                 `json:"id"`
	DiagnosticID int64                 `json:"diagnostic_id"`
	Kind         string                `json:"kind"`
	Title        string                `json:"title"`
	Date         Date                  `json:"date"`
	Place        string                `json:"place,omitempty"`
	Participants []ActivityParticipant `json:"participants"`
	// PersonalData is set when a participant is named (RGPD): such an
	// activity is never public.
	PersonalData bool         `json:"personal_data"`
	Notes        string       `json:"notes"`                 // Markdown
	Attachments  []Attachment `json:"attachments,omitempty"` // filled on read
	Meta
}

// Validate checks an activity's fields.
func (a *Activity) Validate() error {
	var v Validation
	if a.DiagnosticID == 0 {
		v.Add("diagnostic_id", "obligatoire")
	}
	if !oneOf(a.Kind, ActivityKinds) {
		v.Add("kind", "type d'activité inconnu %q (attendu : %s)", a.Kind, strings.Join(ActivityKinds, ", "))
	}
	a.Title = strings.TrimSpace(a.Title)
	if a.Title == "" {
		v.Add("title", "obligatoire")
	}
	if a.Date.IsZero() {
		v.Add("date", "obligatoire (AAAA-MM-JJ)")
	}
	for i, p := range a.Participants {
		if p.OrgID == 0 && p.ActorID == 0 && strings.TrimSpace(p.Name) == "" {
			v.Add("participants", "participant n°%d : organisation, acteur ou nom obligatoire", i+1)
		}
		if strings.TrimSpace(p.Person) != "" {
			a.PersonalData = true
		}
	}
	v.MaxLen("title", a.Title, MaxName)
	v.MaxLen("place", a.Place, MaxName)
	v.MaxLen("notes", a.Notes, MaxText)
	for i, p := range a.Participants {
		item := nth("participant", i)
		v.MaxLenOf("participants", item, p.Name, MaxName)
		v.MaxLenOf("participants", item, p.Role, MaxName)
		v.MaxLenOf("participants", item, p.Person, MaxName)
	}
	a.Meta.Defaults(VisibilityPartners)
	if a.PersonalData && a.Visibility == VisibilityPublic {
		v.Add("visibility", "une activité qui nomme des personnes (données personnelles) ne peut pas être publique")
	}
	a.Meta.validate(&v)
	return v.Err()
}

// DefaultMaxAttachment is the default size limit of an attachment (10 Mo).
const DefaultMaxAttachment = 10 << 20

// Attachment is a file attached to an activity, stored with the instance.
// Its content is read and written separately.
type Attachment struct {
	ID           int64  `json:"id"`
	DiagnosticID int64  `json:"diagnostic_id"`
	ActivityID   int64  `json:"activity_id"`
	Name         string `json:"name"`
	MediaType    string `json:"media_type"` // sniffed from the content
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256"`
	Meta
}

// Finding statuses.
const (
	FindingProposed  = "proposed"
	FindingDebated   = "debated"
	FindingValidated = "validated"
	FindingAmended   = "amended"
	FindingRejected  = "rejected"
)

// FindingStatuses lists the finding statuses.
var FindingStatuses = []string{FindingProposed, FindingDebated, FindingValidated, FindingAmended, FindingRejected}

// Evidence kinds: what a finding rests on, linked and not copied.
const (
	EvidenceActivity  = "activity"  // ActivityID
	EvidenceIndicator = "indicator" // Indicator, Territory, Year
	EvidenceAnalysis  = "analysis"  // PortraitID and Ref (a path in the result, e.g. "white_zones")
	EvidenceAction    = "action"    // ActionID
)

// Evidence links a finding to what supports it.
type Evidence struct {
	Kind       string `json:"kind"`
	ActivityID int64  `json:"activity_id,omitempty"`
	Indicator  string `json:"indicator,omitempty"`
	Territory  string `json:"territory,omitempty"`
	Year       int    `json:"year,omitempty"`
	PortraitID int64  `json:"portrait_id,omitempty"`
	Ref        string `json:"ref,omitempty"`
	ActionID   int64  `json:"action_id,omitempty"`
	Note       string `json:"note,omitempty"`
}

// Finding is a statement (constat) of a diagnostic with its evidence.
type Finding struct {
	ID           int64      `json:"id"`
	DiagnosticID int64      `json:"diagnostic_id"`
	Statement    string     `json:"statement"`
	Theme        string     `json:"theme"`
	Territory    string     `json:"territory,omitempty"`
	AuthorOrg    int64      `json:"author_org"`
	Status       string     `json:"status"`
	Evidence     []Evidence `json:"evidence"`
	// Previous holds the earlier wordings when a restitution amended it.
	Previous []string `json:"previous_statements,omitempty"`
	Meta
}

// Validate checks a finding's fields.
func (f *Finding) Validate(ref *Referentials) error {
	var v Validation
	if f.DiagnosticID == 0 {
		v.Add("diagnostic_id", "obligatoire")
	}
	f.Statement = strings.TrimSpace(f.Statement)
	if f.Statement == "" {
		v.Add("statement", "obligatoire : l'énoncé du constat")
	}
	if f.Theme == "" {
		v.Add("theme", "obligatoire")
	} else if ref != nil && !ref.Has(RefTheme, f.Theme) {
		v.Add("theme", "thématique inconnue %q", f.Theme)
	}
	if f.AuthorOrg == 0 {
		v.Add("author_org", "obligatoire : l'organisation qui porte le constat")
	}
	if f.Status == "" {
		f.Status = FindingProposed
	}
	if !oneOf(f.Status, FindingStatuses) {
		v.Add("status", "statut inconnu %q (attendu : %s)", f.Status, strings.Join(FindingStatuses, ", "))
	}
	for i, e := range f.Evidence {
		switch e.Kind {
		case EvidenceActivity:
			if e.ActivityID == 0 {
				v.Add("evidence", "preuve n°%d : activity_id obligatoire", i+1)
			}
		case EvidenceIndicator:
			if !IsCode(e.Indicator) || e.Territory == "" {
				v.Add("evidence", "preuve n°%d : indicateur et territoire obligatoires", i+1)
			}
		case EvidenceAnalysis:
			if e.PortraitID == 0 {
				v.Add("evidence", "preuve n°%d : portrait_id obligatoire (portrait de données figé)", i+1)
			}
		case EvidenceAction:
			if e.ActionID == 0 {
				v.Add("evidence", "preuve n°%d : action_id obligatoire", i+1)
			}
		default:
			v.Add("evidence", "preuve n°%d : type inconnu %q (attendu : activity, indicator, analysis, action)", i+1, e.Kind)
		}
	}
	v.MaxLen("statement", f.Statement, MaxText)
	v.MaxLen("territory", f.Territory, MaxCode)
	for i, e := range f.Evidence {
		item := nth("preuve", i)
		v.MaxLenOf("evidence", item, e.Territory, MaxCode)
		v.MaxLenOf("evidence", item, e.Ref, MaxName)
		v.MaxLenOf("evidence", item, e.Note, MaxText)
	}
	return partnersMeta(&f.Meta, &v)
}

// Stances of a position on a finding.
const (
	StanceAgree    = "agree"    // d'accord
	StanceNuance   = "nuance"   // nuancé
	StanceDisagree = "disagree" // pas d'accord
)

// Position is an organisation's stance on a finding. Positions are never
// overwritten: a change adds a row, the latest per organisation is current.
type Position struct {
	ID           int64     `json:"id"`
	DiagnosticID int64     `json:"diagnostic_id"`
	FindingID    int64     `json:"finding_id"`
	OrgID        int64     `json:"org_id"`
	Stance       string    `json:"stance"`
	Comment      string    `json:"comment"`
	UserID       int64     `json:"user_id,omitempty"`
	At           time.Time `json:"at"`
	Meta
}

// Validate checks a position's fields.
func (p *Position) Validate() error {
	var v Validation
	if p.FindingID == 0 {
		v.Add("finding_id", "obligatoire")
	}
	if p.OrgID == 0 {
		v.Add("org_id", "obligatoire : l'organisation qui prend position")
	}
	switch p.Stance {
	case StanceAgree, StanceNuance, StanceDisagree:
	default:
		v.Add("stance", "position inconnue %q (attendu : agree, nuance, disagree)", p.Stance)
	}
	if p.Stance != StanceAgree && strings.TrimSpace(p.Comment) == "" {
		v.Add("comment", "obligatoire pour une position nuancée ou en désaccord")
	}
	v.MaxLen("comment", p.Comment, MaxText)
	return partnersMeta(&p.Meta, &v)
}

// PositionFilter selects positions.
type PositionFilter struct {
	Diagnostic int64
	Finding    int64
	History    bool // every position; otherwise the current one per (finding, organisation)
}

// Review decisions of a restitution-debate on a finding.
const (
	ReviewValidated = FindingValidated
	ReviewAmended   = FindingAmended
	ReviewRejected  = FindingRejected
)

// Review is the restitution's decision on one finding.
type Review struct {
	FindingID    int64     `json:"finding_id"`
	Decision     string    `json:"decision"` // validated, amended, rejected
	Reason       string    `json:"reason,omitempty"`
	NewStatement string    `json:"new_statement,omitempty"`
	At           time.Time `json:"at"`
}

// Validate checks a review.
func (r *Review) Validate() error {
	var v Validation
	if r.FindingID == 0 {
		v.Add("finding_id", "obligatoire")
	}
	r.NewStatement = strings.TrimSpace(r.NewStatement)
	switch r.Decision {
	case ReviewValidated:
	case ReviewAmended:
		if r.NewStatement == "" {
			v.Add("new_statement", "obligatoire pour un constat amendé : la nouvelle rédaction")
		}
	case ReviewRejected:
		if strings.TrimSpace(r.Reason) == "" {
			v.Add("reason", "obligatoire pour un constat rejeté")
		}
	default:
		v.Add("decision", "décision inconnue %q (attendu : validated, amended, rejected)", r.Decision)
	}
	v.MaxLen("reason", r.Reason, MaxText)
	v.MaxLen("new_statement", r.NewStatement, MaxText)
	return v.Err()
}

// Priority is a candidate priority put to the vote at a restitution.
type Priority struct {
	Key      string  `json:"key"` // short code, unique in the restitution
	Title    string  `json:"title"`
	Theme    string  `json:"theme,omitempty"`
	Findings []int64 `json:"findings,omitempty"`
}

// DefaultAllowance is the default number of points per organisation.
const DefaultAllowance = 10

// Restitution is a restitution-debate: a meeting that reviews the findings
// and ranks the priorities.
type Restitution struct {
	ID           int64      `json:"id"`
	DiagnosticID int64      `json:"diagnostic_id"`
	Date         Date       `json:"date"`
	Place        string     `json:"place,omitempty"`
	Attendees    []int64    `json:"attendees,omitempty"` // organisations
	Notes        string     `json:"notes,omitempty"`     // Markdown
	Reviews      []Review   `json:"reviews"`
	Priorities   []Priority `json:"priorities"`
	Allowance    int        `json:"allowance"` // points per organisation
	Meta
}

// Validate checks a restitution's fields.
func (r *Restitution) Validate() error {
	var v Validation
	if r.DiagnosticID == 0 {
		v.Add("diagnostic_id", "obligatoire")
	}
	if r.Date.IsZero() {
		v.Add("date", "obligatoire (AAAA-MM-JJ)")
	}
	if r.Allowance == 0 {
		r.Allowance = DefaultAllowance
	}
	if r.Allowance < 0 || r.Allowance > 1000 {
		v.Add("allowance", "nombre de points invalide %d (entre 1 et 1000)", r.Allowance)
	}
	keys := map[string]bool{}
	for i, p := range r.Priorities {
		if !IsCode(p.Key) {
			v.Add("priorities", "priorité n°%d : clé invalide %q (minuscules, chiffres et _)", i+1, p.Key)
		}
		if keys[p.Key] {
			v.Add("priorities", "priorité n°%d : clé %q en double", i+1, p.Key)
		}
		keys[p.Key] = true
		if strings.TrimSpace(p.Title) == "" {
			v.Add("priorities", "priorité n°%d : intitulé obligatoire", i+1)
		}
	}
	v.MaxLen("place", r.Place, MaxName)
	v.MaxLen("notes", r.Notes, MaxText)
	for i, p := range r.Priorities {
		item := nth("priorité", i)
		v.MaxLenOf("priorities", item, p.Key, MaxCode)
		v.MaxLenOf("priorities", item, p.Title, MaxName)
	}
	return partnersMeta(&r.Meta, &v)
}

// Priority returns the candidate priority with key k.
func (r *Restitution) Priority(k string) (Priority, bool) {
	for _, p := range r.Priorities {
		if p.Key == k {
			return p, true
		}
	}
	return Priority{}, false
}

// PriorityVote is one organisation's distribution of points among the
// candidate priorities of a restitution (one per organisation; a new vote
// replaces the previous one).
type PriorityVote struct {
	ID            int64          `json:"id"`
	DiagnosticID  int64          `json:"diagnostic_id"`
	RestitutionID int64          `json:"restitution_id"`
	OrgID         int64          `json:"org_id"`
	Points        map[string]int `json:"points"` // priority key → points
	UserID        int64          `json:"user_id,omitempty"`
	At            time.Time      `json:"at"`
	Meta
}

// Validate checks a vote against the restitution's priorities and allowance.
func (pv *PriorityVote) Validate(r *Restitution) error {
	var v Validation
	if pv.OrgID == 0 {
		v.Add("org_id", "obligatoire : l'organisation qui vote")
	}
	total := 0
	for _, k := range sortedKeys(pv.Points) {
		n := pv.Points[k]
		if r != nil {
			if _, ok := r.Priority(k); !ok {
				v.Add("points", "priorité inconnue %q", k)
			}
		}
		if n < 0 {
			v.Add("points", "points négatifs pour %q : %d", k, n)
		}
		total += n
	}
	if r != nil && total > r.Allowance {
		v.Add("points", "%d points attribués pour %d disponibles par organisation", total, r.Allowance)
	}
	return partnersMeta(&pv.Meta, &v)
}

// DiagnosticStore stores diagnostics and everything in them. Updates check
// the version (ECONFLICT when stale).
type DiagnosticStore interface {
	CreateDiagnostic(ctx context.Context, d *Diagnostic) error
	Diagnostic(ctx context.Context, id int64) (*Diagnostic, error)
	Diagnostics(ctx context.Context, f DiagnosticFilter) (Page[Diagnostic], error)
	UpdateDiagnostic(ctx context.Context, d *Diagnostic) error
	// DeleteDiagnostic deletes a diagnostic and everything in it.
	DeleteDiagnostic(ctx context.Context, id int64) error

	SavePortrait(ctx context.Context, p *Portrait) error
	Portrait(ctx context.Context, id int64) (*Portrait, error)
	Portraits(ctx context.Context, diagnostic int64) ([]Portrait, error)

	CreateActivity(ctx context.Context, a *Activity) error
	Activity(ctx context.Context, id int64) (*Activity, error) // with Attachments
	Activities(ctx context.Context, diagnostic int64) ([]Activity, error)
	UpdateActivity(ctx context.Context, a *Activity) error
	DeleteActivity(ctx context.Context, id int64) error // and its attachments

	CreateAttachment(ctx context.Context, a *Attachment, content []byte) error
	Attachment(ctx context.Context, id int64) (*Attachment, error)
	AttachmentContent(ctx context.Context, id int64) ([]byte, error)
	Attachments(ctx context.Context, diagnostic int64) ([]Attachment, error)
	DeleteAttachment(ctx context.Context, id int64) error

	CreateFinding(ctx context.Context, f *Finding) error
	Finding(ctx context.Context, id int64) (*Finding, error)
	Findings(ctx context.Context, diagnostic int64) ([]Finding, error)
	UpdateFinding(ctx context.Context, f *Finding) error

	AddPosition(ctx context.Context, p *Position) error
	Positions(ctx context.Context, f PositionFilter) ([]Position, error)

	CreateRestitution(ctx context.Context, r *Restitution) error
	Restitution(ctx context.Context, id int64) (*Restitution, error)
	Restitutions(ctx context.Context, diagnostic int64) ([]Restitution, error)
	UpdateRestitution(ctx context.Context, r *Restitution) error
	// ReviewFinding saves a restitution and the finding its new review
	// changed, in one transaction, checking both versions.
	ReviewFinding(ctx context.Context, r *Restitution, f *Finding) error

	// PutVote records an organisation's vote, replacing its previous one.
	PutVote(ctx context.Context, v *PriorityVote) error
	Votes(ctx context.Context, restitution int64) ([]PriorityVote, error)
}

func oneOf(s string, list []string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// partnersMeta ends the Validate of a diagnostic, governance or convention
// record: its visibility defaults to partners and must be known; it returns
// the field errors gathered in v.
func partnersMeta(m *Meta, v *Validation) error {
	m.Defaults(VisibilityPartners)
	m.validate(v)
	return v.Err()
}

// Record is what every diagnostic, governance and convention record shares:
// an id and its Meta. Code that handles all of them alike (the API handlers,
// the service's audited writes) reaches both through RecordRef.
type Record interface {
	RecordRef() (id *int64, meta *Meta)
}

// RecordRef implements Record.
func (d *Diagnostic) RecordRef() (*int64, *Meta) { return &d.ID, &d.Meta }

// RecordRef implements Record.
func (p *Portrait) RecordRef() (*int64, *Meta) { return &p.ID, &p.Meta }

// RecordRef implements Record.
func (a *Activity) RecordRef() (*int64, *Meta) { return &a.ID, &a.Meta }

// RecordRef implements Record.
func (a *Attachment) RecordRef() (*int64, *Meta) { return &a.ID, &a.Meta }

// RecordRef implements Record.
func (f *Finding) RecordRef() (*int64, *Meta) { return &f.ID, &f.Meta }

// RecordRef implements Record.
func (p *Position) RecordRef() (*int64, *Meta) { return &p.ID, &p.Meta }

// RecordRef implements Record.
func (r *Restitution) RecordRef() (*int64, *Meta) { return &r.ID, &r.Meta }

// RecordRef implements Record.
func (pv *PriorityVote) RecordRef() (*int64, *Meta) { return &pv.ID, &pv.Meta }
