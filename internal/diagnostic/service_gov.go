package diagnostic

import (
	"context"
	"slices"
	"strconv"

	"maillage/internal/auth"
	"maillage/internal/domain"
)

// ---- Governance bodies ----

// CreateBody creates a governance body.
func (s *Service) CreateBody(ctx context.Context, b *domain.Body) error {
	ref, err := s.Store.Referentials(ctx)
	if err != nil {
		return err
	}
	if b.OwnerOrg, err = actingOrg(ctx, 0); err != nil {
		return err
	}
	b.ID = 0
	if err := b.Validate(ref); err != nil {
		return err
	}
	if err := s.checkBodyLinks(ctx, b); err != nil {
		return err
	}
	if err := canWrite(ctx, auth.Create, b.OwnerOrg, b.Visibility, "créer une instance"); err != nil {
		return err
	}
	return save(ctx, s, "create", "body", s.Gov.CreateBody, b)
}

func (s *Service) checkBodyLinks(ctx context.Context, b *domain.Body) error {
	if err := s.checkTerritory(ctx, "territory", b.Territory); err != nil {
		return err
	}
	if b.DiagnosticID != 0 {
		if _, err := s.Diag.Diagnostic(ctx, b.DiagnosticID); err != nil {
			return Errorf("diagnostic_id", "diagnostic %d introuvable", b.DiagnosticID)
		}
	}
	if b.ConventionID != 0 {
		if _, err := s.Gov.Convention(ctx, b.ConventionID); err != nil {
			return Errorf("convention_id", "convention %d introuvable", b.ConventionID)
		}
	}
	if b.ParentID != 0 {
		if b.ParentID == b.ID {
			return Errorf("parent_id", "une instance ne peut pas dépendre d'elle-même")
		}
		if _, err := s.Gov.Body(ctx, b.ParentID); err != nil {
			return Errorf("parent_id", "instance %d introuvable", b.ParentID)
		}
	}
	return nil
}

// Body reads a body the caller may see.
func (s *Service) Body(ctx context.Context, id int64) (*domain.Body, error) {
	b, err := s.Gov.Body(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canSeeBody(ctx, b) {
		return nil, domain.NotFound("Instance", strconv.FormatInt(id, 10))
	}
	return b, nil
}

func canSeeBody(ctx context.Context, b *domain.Body) bool {
	if canSee(ctx, b.Meta, nil) {
		return true
	}
	p := domain.PrincipalFrom(ctx)
	return p != nil && b.Visibility != domain.VisibilityPrivate && b.HasMember(p.OrgID)
}

// Bodies lists the bodies the caller may see.
func (s *Service) Bodies(ctx context.Context, f domain.BodyFilter) (domain.Page[domain.Body], error) {
	off, lim := f.Offset, f.Limit
	f.Offset, f.Limit = 0, 0
	all, err := s.Gov.Bodies(ctx, f)
	return visiblePage(all, err, off, lim, func(b *domain.Body) bool { return canSeeBody(ctx, b) })
}

// UpdateBody changes a body (b.Version: the version read).
func (s *Service) UpdateBody(ctx context.Context, b *domain.Body) error {
	return update(ctx, s, "body", b, s.Body, func(cur *domain.Body) error {
		if err := canWrite(ctx, auth.Update, cur.OwnerOrg, cur.Visibility, "modifier cette instance"); err != nil {
			return err
		}
		ref, err := s.Store.Referentials(ctx)
		if err != nil {
			return err
		}
		if err := b.Validate(ref); err != nil {
			return err
		}
		return s.checkBodyLinks(ctx, b)
	}, s.Gov.UpdateBody)
}

// AddMeeting records a meeting of a body.
func (s *Service) AddMeeting(ctx context.Context, m *domain.Meeting) error {
	inherit := m.Visibility == ""
	if err := m.Validate(); err != nil {
		return err
	}
	b, err := s.Body(ctx, m.BodyID)
	if err != nil {
		return Errorf("body_id", "instance %d introuvable", m.BodyID)
	}
	if err := canWrite(ctx, auth.Update, b.OwnerOrg, b.Visibility, "ajouter une réunion à cette instance"); err != nil {
		return err
	}
	m.ID, m.OwnerOrg = 0, b.OwnerOrg
	if inherit {
		m.Visibility = b.Visibility
	}
	return save(ctx, s, "create", "meeting", s.Gov.CreateMeeting, m)
}

// UpdateMeeting changes a meeting (minutes, attendance...).
func (s *Service) UpdateMeeting(ctx context.Context, m *domain.Meeting) error {
	return update(ctx, s, "meeting", m, s.Gov.Meeting, func(cur *domain.Meeting) error {
		b, err := s.Body(ctx, cur.BodyID)
		if err != nil {
			return err
		}
		if err := canWrite(ctx, auth.Update, b.OwnerOrg, b.Visibility, "modifier cette réunion"); err != nil {
			return err
		}
		m.BodyID = cur.BodyID
		return m.Validate()
	}, s.Gov.UpdateMeeting)
}

// Meetings lists a body's meetings.
func (s *Service) Meetings(ctx context.Context, body int64) ([]domain.Meeting, error) {
	if _, err := s.Body(ctx, body); err != nil {
		return nil, err
	}
	return s.Gov.Meetings(ctx, body)
}

// AddDecision records a decision of a body.
func (s *Service) AddDecision(ctx context.Context, d *domain.Decision) error {
	inherit := d.Visibility == ""
	if err := d.Validate(); err != nil {
		return err
	}
	b, err := s.Body(ctx, d.BodyID)
	if err != nil {
		return Errorf("body_id", "instance %d introuvable", d.BodyID)
	}
	if err := canWrite(ctx, auth.Update, b.OwnerOrg, b.Visibility, "ajouter une décision à cette instance"); err != nil {
		return err
	}
	d.ID, d.Meta.OwnerOrg = 0, b.OwnerOrg
	if inherit {
		d.Visibility = b.Visibility
	}
	return save(ctx, s, "create", "decision", s.Gov.CreateDecision, d)
}

// UpdateDecision changes a decision (status, follow-up); d.Version: the
// version read. The body's owner or the organisation carrying the decision
// may update it.
func (s *Service) UpdateDecision(ctx context.Context, d *domain.Decision) error {
	return update(ctx, s, "decision", d, s.Gov.Decision, func(cur *domain.Decision) error {
		b, err := s.Body(ctx, cur.BodyID)
		if err != nil {
			return err
		}
		if err := canWrite(ctx, auth.Update, b.OwnerOrg, b.Visibility, "modifier cette décision"); err != nil {
			if p := domain.PrincipalFrom(ctx); p == nil || p.OrgID != cur.OwnerOrgID || !auth.Allowed(p, auth.Update, auth.Data) {
				return err
			}
		}
		d.BodyID = cur.BodyID
		return d.Validate()
	}, s.Gov.UpdateDecision)
}

// Decisions lists decisions the caller may see.
func (s *Service) Decisions(ctx context.Context, f domain.DecisionFilter) ([]domain.Decision, error) {
	ds, err := s.Gov.Decisions(ctx, f)
	if err != nil {
		return nil, err
	}
	bodies := map[int64]bool{}
	return slices.DeleteFunc(ds, func(d domain.Decision) bool {
		ok, seen := bodies[d.BodyID]
		if !seen {
			_, err := s.Body(ctx, d.BodyID)
			ok = err == nil
			bodies[d.BodyID] = ok
		}
		return !ok
	}), nil
}

// OverdueDecisions lists the decisions past due and not closed.
func (s *Service) OverdueDecisions(ctx context.Context, f domain.DecisionFilter) ([]domain.Decision, error) {
	ds, err := s.Decisions(ctx, f)
	if err != nil {
		return nil, err
	}
	out := Overdue(ds, s.Today())
	if out == nil {
		out = []domain.Decision{}
	}
	return out, nil
}

// ---- Conventions ----

// CreateConvention creates a convention.
func (s *Service) CreateConvention(ctx context.Context, c *domain.Convention) error {
	ref, err := s.Store.Referentials(ctx)
	if err != nil {
		return err
	}
	if c.OwnerOrg, err = actingOrg(ctx, 0); err != nil {
		return err
	}
	c.ID = 0
	if err := c.Validate(ref); err != nil {
		return err
	}
	if err := s.checkConventionLinks(ctx, c); err != nil {
		return err
	}
	if err := canWrite(ctx, auth.Create, c.OwnerOrg, c.Visibility, "créer une convention"); err != nil {
		return err
	}
	return save(ctx, s, "create", "convention", s.Gov.CreateConvention, c)
}

func (s *Service) checkConventionLinks(ctx context.Context, c *domain.Convention) error {
	if err := s.checkTerritory(ctx, "perimeter", c.Perimeter); err != nil {
		return err
	}
	if c.DiagnosticID != 0 {
		if _, err := s.Diag.Diagnostic(ctx, c.DiagnosticID); err != nil {
			return Errorf("diagnostic_id", "diagnostic %d introuvable", c.DiagnosticID)
		}
	}
	if c.BodyID != 0 {
		if _, err := s.Gov.Body(ctx, c.BodyID); err != nil {
			return Errorf("body_id", "instance %d introuvable", c.BodyID)
		}
	}
	for i, sg := range c.Signatories {
		if sg.ActorID != 0 {
			a, err := s.Store.Actor(ctx, sg.ActorID)
			if err != nil {
				return Errorf("signatories", "signataire n°%d : acteur %d introuvable", i+1, sg.ActorID)
			}
			if sg.Name == "" {
				c.Signatories[i].Name = a.Name
			}
		}
	}
	return nil
}

// Convention reads a convention the caller may see.
func (s *Service) Convention(ctx context.Context, id int64) (*domain.Convention, error) {
	c, err := s.Gov.Convention(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canSeeConvention(ctx, c) {
		return nil, domain.NotFound("Convention", strconv.FormatInt(id, 10))
	}
	return c, nil
}

func canSeeConvention(ctx context.Context, c *domain.Convention) bool {
	if canSee(ctx, c.Meta, nil) {
		return true
	}
	p := domain.PrincipalFrom(ctx)
	if p == nil || c.Visibility == domain.VisibilityPrivate {
		return false
	}
	for _, sg := range c.Signatories {
		if sg.OrgID != 0 && sg.OrgID == p.OrgID {
			return true
		}
	}
	return false
}

// Conventions lists the conventions the caller may see.
func (s *Service) Conventions(ctx context.Context, f domain.ConventionFilter) (domain.Page[domain.Convention], error) {
	off, lim := f.Offset, f.Limit
	f.Offset, f.Limit = 0, 0
	all, err := s.Gov.Conventions(ctx, f)
	return visiblePage(all, err, off, lim, func(c *domain.Convention) bool { return canSeeConvention(ctx, c) })
}

// UpdateConvention changes a convention (c.Version: the version read); its
// period may not leave measurements outside.
func (s *Service) UpdateConvention(ctx context.Context, c *domain.Convention) error {
	return update(ctx, s, "convention", c, s.Convention, func(cur *domain.Convention) error {
		if err := canWrite(ctx, auth.Update, cur.OwnerOrg, cur.Visibility, "modifier cette convention"); err != nil {
			return err
		}
		ref, err := s.Store.Referentials(ctx)
		if err != nil {
			return err
		}
		if err := c.Validate(ref); err != nil {
			return err
		}
		if err := s.checkConventionLinks(ctx, c); err != nil {
			return err
		}
		ms, err := s.Gov.Measurements(ctx, domain.MeasurementFilter{Convention: c.ID})
		if err != nil {
			return err
		}
		for _, m := range ms {
			if !c.Covers(m.Date) {
				return Errorf("end", "la mesure du %s (fiche %d) sortirait de la période %s – %s", m.Date, m.FicheID, c.Start, c.End)
			}
		}
		return nil
	}, s.Gov.UpdateConvention)
}

func (s *Service) checkFicheLinks(ctx context.Context, f *domain.FicheAction) error {
	if f.LeadActorID != 0 {
		a, err := s.Store.Actor(ctx, f.LeadActorID)
		if err != nil {
			return Errorf("lead_actor_id", "acteur %d introuvable", f.LeadActorID)
		}
		if f.LeadName == "" {
			f.LeadName = a.Name
		}
	}
	for _, id := range f.Partners {
		if _, err := s.Store.Actor(ctx, id); err != nil {
			return Errorf("partners", "acteur partenaire %d introuvable", id)
		}
	}
	for i, b := range f.Budget {
		if b.FunderID != 0 {
			a, err := s.Store.Actor(ctx, b.FunderID)
			if err != nil {
				return Errorf("budget", "ligne n°%d : financeur %d introuvable", i+1, b.FunderID)
			}
			if b.FunderName == "" {
				f.Budget[i].FunderName = a.Name
			}
		}
	}
	for _, id := range f.Actions {
		if _, err := s.Store.Action(ctx, id); err != nil {
			return Errorf("actions", "action %d introuvable", id)
		}
	}
	return nil
}

// AddFiche adds a fiche action to a convention.
func (s *Service) AddFiche(ctx context.Context, f *domain.FicheAction) error {
	c, err := s.Convention(ctx, f.ConventionID)
	if err != nil {
		return Errorf("convention_id", "convention %d introuvable", f.ConventionID)
	}
	if err := canWrite(ctx, auth.Update, c.OwnerOrg, c.Visibility, "ajouter une fiche action à cette convention"); err != nil {
		return err
	}
	ref, err := s.Store.Referentials(ctx)
	if err != nil {
		return err
	}
	f.ID, f.OwnerOrg = 0, c.OwnerOrg
	if f.Visibility == "" {
		f.Visibility = c.Visibility
	}
	if err := f.Validate(c, ref); err != nil {
		return err
	}
	if err := s.checkFicheLinks(ctx, f); err != nil {
		return err
	}
	return save(ctx, s, "create", "fiche_action", s.Gov.CreateFiche, f)
}

// UpdateFiche changes a fiche (f.Version: the version read; a stale one is
// a conflict: two people editing the same fiche).
func (s *Service) UpdateFiche(ctx context.Context, f *domain.FicheAction) error {
	return update(ctx, s, "fiche_action", f, s.Gov.Fiche, func(cur *domain.FicheAction) error {
		c, err := s.Convention(ctx, cur.ConventionID)
		if err != nil {
			return err
		}
		if err := canWrite(ctx, auth.Update, c.OwnerOrg, c.Visibility, "modifier cette fiche action"); err != nil {
			return err
		}
		ref, err := s.Store.Referentials(ctx)
		if err != nil {
			return err
		}
		f.ConventionID = cur.ConventionID
		if err := f.Validate(c, ref); err != nil {
			return err
		}
		if err := s.checkFicheLinks(ctx, f); err != nil {
			return err
		}
		ms, err := s.Gov.Measurements(ctx, domain.MeasurementFilter{Fiche: f.ID})
		if err != nil {
			return err
		}
		for _, m := range ms {
			if _, ok := f.Indicator(m.Indicator); !ok {
				return Errorf("indicators", "l'indicateur %q a des mesures : il ne peut pas être retiré", m.Indicator)
			}
		}
		return nil
	}, s.Gov.UpdateFiche)
}

// Fiche reads a fiche action when the caller may see its convention.
func (s *Service) Fiche(ctx context.Context, id int64) (*domain.FicheAction, error) {
	f, err := s.Gov.Fiche(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Convention(ctx, f.ConventionID); err != nil {
		return nil, domain.NotFound("Fiche action", strconv.FormatInt(id, 10))
	}
	return f, nil
}

// Fiches lists a convention's fiches.
func (s *Service) Fiches(ctx context.Context, convention int64) ([]domain.FicheAction, error) {
	if _, err := s.Convention(ctx, convention); err != nil {
		return nil, err
	}
	return s.Gov.Fiches(ctx, convention)
}

// AddMeasurement records a dated value of a fiche's indicator, within the
// convention's period.
func (s *Service) AddMeasurement(ctx context.Context, m *domain.Measurement) error {
	f, err := s.Gov.Fiche(ctx, m.FicheID)
	if err != nil {
		return notFoundAs(err, "fiche_id", "fiche action %d introuvable", m.FicheID)
	}
	c, err := s.Convention(ctx, f.ConventionID)
	if err != nil {
		return err
	}
	org, err := actingOrg(ctx, 0)
	if err != nil {
		return err
	}
	if err := canWrite(ctx, auth.Update, c.OwnerOrg, c.Visibility, "mesurer les indicateurs de cette convention"); err != nil {
		// The fiche's lead may measure its own indicators.
		if lead := f.LeadActorID; lead == 0 || !s.orgIsActor(ctx, org, lead) {
			return err
		}
	}
	m.ID, m.ConventionID, m.OwnerOrg = 0, c.ID, org
	if m.Visibility == "" {
		m.Visibility = c.Visibility
	}
	if err := m.Validate(f, c); err != nil {
		return err
	}
	return save(ctx, s, "create", "measurement", s.Gov.AddMeasurement, m)
}

func (s *Service) orgIsActor(ctx context.Context, org, actor int64) bool {
	if s.Accounts == nil {
		return false
	}
	o, err := s.Accounts.Organisation(ctx, org)
	return err == nil && o.ActorID == actor
}

// ConventionReport is a convention with its action plan, measurements and
// progress.
type ConventionReport struct {
	Convention   domain.Convention    `json:"convention"`
	Fiches       []domain.FicheAction `json:"fiches"`
	Measurements []domain.Measurement `json:"measurements"`
	Progress     ConventionProgress   `json:"progress"`
}

// Report gathers a convention and computes its progress today.
func (s *Service) Report(ctx context.Context, id int64) (*ConventionReport, error) {
	c, err := s.Convention(ctx, id)
	if err != nil {
		return nil, err
	}
	fs, err := s.Gov.Fiches(ctx, id)
	if err != nil {
		return nil, err
	}
	ms, err := s.Gov.Measurements(ctx, domain.MeasurementFilter{Convention: id})
	if err != nil {
		return nil, err
	}
	return &ConventionReport{Convention: *c, Fiches: fs, Measurements: ms,
		Progress: ProgressOfConvention(c, fs, ms, s.Today(), s.RenewalWindow)}, nil
}

// Renewals lists the renewal alerts of the conventions the caller may see.
func (s *Service) Renewals(ctx context.Context) ([]RenewalAlert, error) {
	p, err := s.Conventions(ctx, domain.ConventionFilter{})
	if err != nil {
		return nil, err
	}
	out := []RenewalAlert{}
	for i := range p.Items {
		if a := RenewalOf(&p.Items[i], s.Today(), s.RenewalWindow); a != nil {
			out = append(out, *a)
		}
	}
	slices.SortStableFunc(out, func(a, b RenewalAlert) int { return a.DaysLeft - b.DaysLeft })
	return out, nil
}
