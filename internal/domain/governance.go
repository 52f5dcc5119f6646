package domain

import (
	"context"
	"strings"
	"time"
)

// Kinds of governance bodies (instances).
const (
	BodySteering     = "comite_pilotage"       // comité de pilotage (COPIL)
	BodyTechnical    = "comite_technique"      // comité technique (COTECH)
	BodyWorkingGroup = "groupe_travail"        // groupe de travail
	BodyLocalNetwork = "reseau_local"          // réseau local (parentalité...)
	BodyCoordination = "instance_coordination" // instance de coordination locale
	BodyNational     = "comite_national"       // national steering across CAF and sites
)

// BodyKinds lists the kinds of governance bodies.
var BodyKinds = []string{BodySteering, BodyTechnical, BodyWorkingGroup, BodyLocalNetwork, BodyCoordination, BodyNational}

// Member is an organisation sitting in a body, with its role.
type Member struct {
	OrgID   int64  `json:"org_id,omitempty"`
	ActorID int64  `json:"actor_id,omitempty"`
	Name    string `json:"name,omitempty"`
	Role    string `json:"role"` // président·e, secrétariat, membre...
	Person  string `json:"person,omitempty"`
	Since   *Date  `json:"since,omitempty"`
	Until   *Date  `json:"until,omitempty"`
}

// Body is a governance body: comité de pilotage, comité technique, groupe
// de travail, réseau local, instance de coordination locale.
type Body struct {
	ID           int64    `json:"id"`
	Name         string   `json:"name"`
	Kind         string   `json:"kind"`
	Territory    string   `json:"territory,omitempty"`
	Themes       []string `json:"themes,omitempty"`
	Members      []Member `json:"members"`
	DiagnosticID int64    `json:"diagnostic_id,omitempty"`
	ConventionID int64    `json:"convention_id,omitempty"`
	ParentID     int64    `json:"parent_id,omitempty"` // thematic committee under a COPIL
	Meta
}

// Validate checks a body's fields.
func (b *Body) Validate(ref *Referentials) error {
	var v Validation
	b.Name = strings.TrimSpace(b.Name)
	if b.Name == "" {
		v.Add("name", "obligatoire")
	}
	if !oneOf(b.Kind, BodyKinds) {
		v.Add("kind", "type d'instance inconnu %q (attendu : %s)", b.Kind, strings.Join(BodyKinds, ", "))
	}
	if ref != nil {
		checkCodes(&v, ref, RefTheme, "themes", b.Themes, "thématique")
	}
	for i, m := range b.Members {
		if m.OrgID == 0 && m.ActorID == 0 && strings.TrimSpace(m.Name) == "" {
			v.Add("members", "membre n°%d : organisation, acteur ou nom obligatoire", i+1)
		}
	}
	v.MaxLen("name", b.Name, MaxName)
	v.MaxLen("territory", b.Territory, MaxCode)
	for i, m := range b.Members {
		item := nth("membre", i)
		v.MaxLenOf("members", item, m.Name, MaxName)
		v.MaxLenOf("members", item, m.Role, MaxName)
		v.MaxLenOf("members", item, m.Person, MaxName)
	}
	return partnersMeta(&b.Meta, &v)
}

// HasMember reports whether the organisation sits in the body.
func (b *Body) HasMember(org int64) bool {
	for _, m := range b.Members {
		if m.OrgID == org {
			return true
		}
	}
	return false
}

// AgendaItem is one item of a meeting's agenda.
type AgendaItem struct {
	Title    string `json:"title"`
	Duration int    `json:"duration,omitempty"` // minutes
	Notes    string `json:"notes,omitempty"`
}

// Attendance records whether an organisation attended a meeting.
type Attendance struct {
	OrgID   int64  `json:"org_id,omitempty"`
	Name    string `json:"name,omitempty"`
	Present bool   `json:"present"`
	Person  string `json:"person,omitempty"`
}

// Meeting is a meeting of a body: agenda, attendance, minutes.
type Meeting struct {
	ID         int64        `json:"id"`
	BodyID     int64        `json:"body_id"`
	Date       Date         `json:"date"`
	Place      string       `json:"place,omitempty"`
	Agenda     []AgendaItem `json:"agenda"`
	Attendance []Attendance `json:"attendance"`
	Minutes    string       `json:"minutes"` // Markdown
	Meta
}

// Validate checks a meeting's fields.
func (m *Meeting) Validate() error {
	var v Validation
	if m.BodyID == 0 {
		v.Add("body_id", "obligatoire")
	}
	if m.Date.IsZero() {
		v.Add("date", "obligatoire (AAAA-MM-JJ)")
	}
	for i, a := range m.Agenda {
		if strings.TrimSpace(a.Title) == "" {
			v.Add("agenda", "point n°%d : intitulé obligatoire", i+1)
		}
		if a.Duration < 0 {
			v.Add("agenda", "point n°%d : durée négative", i+1)
		}
	}
	v.MaxLen("place", m.Place, MaxName)
	v.MaxLen("minutes", m.Minutes, MaxText)
	for i, a := range m.Agenda {
		item := nth("point", i)
		v.MaxLenOf("agenda", item, a.Title, MaxName)
		v.MaxLenOf("agenda", item, a.Notes, MaxText)
	}
	for i, a := range m.Attendance {
		item := nth("présence", i)
		v.MaxLenOf("attendance", item, a.Name, MaxName)
		v.MaxLenOf("attendance", item, a.Person, MaxName)
	}
	return partnersMeta(&m.Meta, &v)
}

// Decision statuses.
const (
	DecisionOpen       = "open"
	DecisionInProgress = "in_progress"
	DecisionDone       = "done"
	DecisionAbandoned  = "abandoned"
)

// DecisionStatuses lists the decision statuses.
var DecisionStatuses = []string{DecisionOpen, DecisionInProgress, DecisionDone, DecisionAbandoned}

// FollowUp is a dated note on a decision's progress.
type FollowUp struct {
	Date   Date   `json:"date"`
	Text   string `json:"text"`
	Status string `json:"status,omitempty"` // the status it set
}

// Decision is a decision taken by a body, with an owner and a due date.
type Decision struct {
	ID         int64      `json:"id"`
	BodyID     int64      `json:"body_id"`
	MeetingID  int64      `json:"meeting_id,omitempty"`
	Text       string     `json:"text"`
	OwnerOrgID int64      `json:"owner_org_id"` // who carries it out (Meta.OwnerOrg owns the record)
	OwnerName  string     `json:"owner_name,omitempty"`
	DueDate    *Date      `json:"due_date"`
	Status     string     `json:"status"`
	FollowUps  []FollowUp `json:"follow_ups"`
	Meta
}

// Validate checks a decision's fields.
func (d *Decision) Validate() error {
	var v Validation
	if d.BodyID == 0 {
		v.Add("body_id", "obligatoire")
	}
	d.Text = strings.TrimSpace(d.Text)
	if d.Text == "" {
		v.Add("text", "obligatoire")
	}
	if d.OwnerOrgID == 0 && strings.TrimSpace(d.OwnerName) == "" {
		v.Add("owner_org_id", "obligatoire : qui porte la décision")
	}
	if d.DueDate == nil {
		v.Add("due_date", "obligatoire : l'échéance (AAAA-MM-JJ)")
	}
	if d.Status == "" {
		d.Status = DecisionOpen
	}
	if !oneOf(d.Status, DecisionStatuses) {
		v.Add("status", "statut inconnu %q (attendu : %s)", d.Status, strings.Join(DecisionStatuses, ", "))
	}
	for i, f := range d.FollowUps {
		if f.Date.IsZero() || strings.TrimSpace(f.Text) == "" {
			v.Add("follow_ups", "suivi n°%d : date et texte obligatoires", i+1)
		}
		if f.Status != "" && !oneOf(f.Status, DecisionStatuses) {
			v.Add("follow_ups", "suivi n°%d : statut inconnu %q", i+1, f.Status)
		}
	}
	v.MaxLen("text", d.Text, MaxText)
	v.MaxLen("owner_name", d.OwnerName, MaxName)
	for i, f := range d.FollowUps {
		v.MaxLenOf("follow_ups", nth("suivi", i), f.Text, MaxText)
	}
	return partnersMeta(&d.Meta, &v)
}

// Overdue reports whether the decision is past its due date and not closed.
func (d *Decision) Overdue(today time.Time) bool {
	if d.DueDate == nil || d.Status == DecisionDone || d.Status == DecisionAbandoned {
		return false
	}
	y, m, dd := today.Date()
	return d.DueDate.Before(time.Date(y, m, dd, 0, 0, 0, 0, time.UTC))
}

// BodyFilter selects bodies.
type BodyFilter struct {
	Kind       string
	Territory  string
	Diagnostic int64
	Convention int64
	Member     int64 // organisation
	Offset     int
	Limit      int
}

// DecisionFilter selects decisions.
type DecisionFilter struct {
	Body     int64
	Meeting  int64
	OwnerOrg int64
	Status   string
}

// GovernanceStore stores governance bodies, their meetings and decisions,
// and conventions.
type GovernanceStore interface {
	CreateBody(ctx context.Context, b *Body) error
	Body(ctx context.Context, id int64) (*Body, error)
	Bodies(ctx context.Context, f BodyFilter) (Page[Body], error)
	UpdateBody(ctx context.Context, b *Body) error
	DeleteBody(ctx context.Context, id int64) error // and its meetings and decisions

	CreateMeeting(ctx context.Context, m *Meeting) error
	Meeting(ctx context.Context, id int64) (*Meeting, error)
	Meetings(ctx context.Context, body int64) ([]Meeting, error)
	UpdateMeeting(ctx context.Context, m *Meeting) error
	DeleteMeeting(ctx context.Context, id int64) error

	CreateDecision(ctx context.Context, d *Decision) error
	Decision(ctx context.Context, id int64) (*Decision, error)
	Decisions(ctx context.Context, f DecisionFilter) ([]Decision, error)
	UpdateDecision(ctx context.Context, d *Decision) error
	DeleteDecision(ctx context.Context, id int64) error

	ConventionStore
}

// RecordRef implements Record.
func (b *Body) RecordRef() (*int64, *Meta) { return &b.ID, &b.Meta }

// RecordRef implements Record.
func (m *Meeting) RecordRef() (*int64, *Meta) { return &m.ID, &m.Meta }

// RecordRef implements Record.
func (d *Decision) RecordRef() (*int64, *Meta) { return &d.ID, &d.Meta }
