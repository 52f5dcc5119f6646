package diagnostic

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"maillage/internal/analysis"
	"maillage/internal/auth"
	"maillage/internal/domain"
)

// Service applies the rules over a store: it is what the API and the command
// line call, so that both enforce the same checks, the same permissions and
// write the same audit lines.
type Service struct {
	Store domain.Store
	Diag  domain.DiagnosticStore
	Gov   domain.GovernanceStore
	// Accounts, when the store has them, receives the audit log and resolves
	// organisations.
	Accounts domain.AccountStore
	// MaxAttachment is the attachment size limit (0: domain.DefaultMaxAttachment).
	MaxAttachment int64
	// RenewalWindow is how long before its end a convention is flagged (0: DefaultRenewalWindow).
	RenewalWindow time.Duration
	// Now gives the current time (tests pin it).
	Now func() time.Time
	// Snapshot returns the analysis snapshot for a frozen portrait; nil
	// loads one from Store.
	Snapshot func(ctx context.Context) (*analysis.Snapshot, error)
}

// NewService builds a service over a store that implements the diagnostic
// and governance stores (directly, or under a wrapper with Unwrap, as the
// access guard is).
func NewService(s domain.Store) (*Service, error) {
	svc := &Service{Store: s, Now: time.Now}
	var base any = s
	for {
		if d, ok := base.(domain.DiagnosticStore); ok && svc.Diag == nil {
			svc.Diag = d
		}
		if g, ok := base.(domain.GovernanceStore); ok && svc.Gov == nil {
			svc.Gov = g
		}
		if a, ok := base.(domain.AccountStore); ok && svc.Accounts == nil {
			svc.Accounts = a
		}
		u, ok := base.(interface{ Unwrap() domain.Store })
		if !ok {
			break
		}
		base = u.Unwrap()
	}
	if svc.Diag == nil || svc.Gov == nil {
		return nil, domain.Errorf(domain.EINTERNAL, "le stockage %s ne gère pas les diagnostics", s.Dialect())
	}
	return svc, nil
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Today is the current day (for overdue decisions and renewal alerts).
func (s *Service) Today() time.Time {
	n := s.now()
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

// audit records a write in the audit log when accounts exist.
func (s *Service) audit(ctx context.Context, action, kind string, id int64, after any) {
	if s.Accounts == nil {
		return
	}
	var raw json.RawMessage
	if after != nil {
		raw, _ = json.Marshal(after)
	}
	_ = auth.AppendAudit(ctx, s.Accounts, &domain.AuditEntry{Action: action, Kind: kind, RecordID: strconv.FormatInt(id, 10), After: raw})
}

// save writes x with write (a store method), then records action on it in
// the audit log.
func save[P domain.Record](ctx context.Context, s *Service, action, kind string, write func(context.Context, P) error, x P) error {
	if err := write(ctx, x); err != nil {
		return err
	}
	id, _ := x.RecordRef()
	s.audit(ctx, action, kind, *id, x)
	return nil
}

// update is the versioned update of a stored record x: x.Version is the
// version the caller read, and write refuses a stale one (ECONFLICT). The
// current record, read with read, keeps its owner and creation date (an
// update never changes them); check then applies the rules of the kind
// (permission, fields kept from cur, validation, links) before x is
// written and audited.
func update[P domain.Record](ctx context.Context, s *Service, kind string, x P, read func(context.Context, int64) (P, error), check func(cur P) error, write func(context.Context, P) error) error {
	id, m := x.RecordRef()
	cur, err := read(ctx, *id)
	if err != nil {
		return err
	}
	_, cm := cur.RecordRef()
	m.OwnerOrg, m.CreatedAt = cm.OwnerOrg, cm.CreatedAt
	if err := check(cur); err != nil {
		return err
	}
	return save(ctx, s, "update", kind, write, x)
}

// notFoundAs turns a not-found error about a record the caller named into
// a validation error on field (the record is part of the input); any other
// error is kept.
func notFoundAs(err error, field, format string, args ...any) error {
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return Errorf(field, format, args...)
	}
	return err
}

// visiblePage keeps the items of all (listed without paging) that the
// caller may see, then pages them by off and lim.
func visiblePage[T any](all domain.Page[T], err error, off, lim int, visible func(*T) bool) (domain.Page[T], error) {
	if err != nil {
		return all, err
	}
	vis := slices.DeleteFunc(all.Items, func(x T) bool { return !visible(&x) })
	return page(vis, off, lim), nil
}

// visibleIn lists the records of a diagnostic (with list, a store method)
// that the caller may see; the diagnostic itself must be visible.
func visibleIn[T any, P interface {
	*T
	domain.Record
}](ctx context.Context, s *Service, diag int64, list func(context.Context, int64) ([]T, error)) ([]T, error) {
	d, err := s.Diagnostic(ctx, diag)
	if err != nil {
		return nil, err
	}
	xs, err := list(ctx, diag)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(xs, func(x T) bool {
		_, m := P(&x).RecordRef()
		return !canSee(ctx, *m, d)
	}), nil
}

// principal returns the request's principal; ok is false for the command
// line (trusted: no principal recorded in ctx).
func principal(ctx context.Context) (*domain.Principal, bool) {
	if !domain.HasPrincipal(ctx) {
		return nil, false
	}
	return domain.PrincipalFrom(ctx), true
}

func forbidden(what string) error {
	return domain.Errorf(domain.EFORBIDDEN, "Action non autorisée : %s.", what)
}

// canSee reports whether the caller may read a record of the diagnostic d
// (nil for governance and conventions): the visibility rules, plus the
// participants of the diagnostic for what is shared with partners.
func canSee(ctx context.Context, m domain.Meta, d *domain.Diagnostic) bool {
	p, req := principal(ctx)
	if !req || auth.Visible(p, m.OwnerOrg, m.Visibility) {
		return true
	}
	if p != nil && d != nil && m.Visibility != domain.VisibilityPrivate {
		if _, ok := d.Participant(p.OrgID); ok {
			return true
		}
	}
	return false
}

// canWrite checks that the caller may create (or update) a record owned by
// owner.
func canWrite(ctx context.Context, action auth.Action, owner int64, vis domain.Visibility, what string) error {
	p, req := principal(ctx)
	if !req {
		return nil
	}
	if p == nil {
		return domain.Errorf(domain.EUNAUTHORIZED, "Authentification requise.")
	}
	if !auth.Can(p, action, auth.Resource{Class: auth.Data, OwnerOrg: owner, Visibility: vis}) {
		return forbidden(what)
	}
	return nil
}

// actingOrg is the organisation the caller acts for: the principal's, or
// the instance for the command line; an explicit org is kept when the caller
// may act for it (administrators, the command line).
func actingOrg(ctx context.Context, explicit int64) (int64, error) {
	p, req := principal(ctx)
	if !req {
		if explicit != 0 {
			return explicit, nil
		}
		return domain.InstanceOrganisation, nil
	}
	if p == nil {
		return 0, domain.Errorf(domain.EUNAUTHORIZED, "Authentification requise.")
	}
	if explicit == 0 || explicit == p.OrgID || p.Role == domain.RoleAdmin {
		if explicit == 0 {
			return p.OrgID, nil
		}
		return explicit, nil
	}
	return 0, Errorf("org_id", "vous agissez pour l'organisation %d : vous ne pouvez pas prendre position ou voter pour l'organisation %d", p.OrgID, explicit)
}

// ---- Diagnostics ----

// fillParticipants resolves each participant's actor (from its organisation)
// and actor type (from the actor), and its name.
func (s *Service) fillParticipants(ctx context.Context, d *domain.Diagnostic) error {
	for i := range d.Participants {
		p := &d.Participants[i]
		if p.OrgID != 0 && s.Accounts != nil && (p.ActorID == 0 || p.Name == "") {
			if o, err := s.Accounts.Organisation(ctx, p.OrgID); err == nil {
				if p.ActorID == 0 {
					p.ActorID = o.ActorID
				}
				if p.Name == "" {
					p.Name = o.Name
				}
			} else if domain.ErrorCode(err) == domain.ENOTFOUND {
				return Errorf("participants", "organisation %d introuvable", p.OrgID)
			}
		}
		if p.ActorID != 0 && p.ActorType == "" {
			a, err := s.Store.Actor(ctx, p.ActorID)
			if err != nil {
				return Errorf("participants", "acteur %d introuvable pour l'organisation %d", p.ActorID, p.OrgID)
			}
			p.ActorType = a.Type
			if p.Name == "" {
				p.Name = a.Name
			}
		}
		if p.ActorType == "" {
			p.ActorType = "autre"
		}
	}
	return nil
}

func (s *Service) checkSteeringBody(ctx context.Context, d *domain.Diagnostic) error {
	if d.SteeringBodyID == 0 {
		return nil
	}
	if _, err := s.Gov.Body(ctx, d.SteeringBodyID); err != nil {
		return notFoundAs(err, "steering_body_id", "instance %d introuvable", d.SteeringBodyID)
	}
	return nil
}

func (s *Service) checkTerritory(ctx context.Context, field, code string) error {
	if code == "" {
		return nil
	}
	if _, err := s.Store.Territory(ctx, code); err != nil {
		return notFoundAs(err, field, "territoire inconnu %q", code)
	}
	return nil
}

// CreateDiagnostic creates a diagnostic at the preparation stage.
func (s *Service) CreateDiagnostic(ctx context.Context, d *domain.Diagnostic) error {
	ref, err := s.Store.Referentials(ctx)
	if err != nil {
		return err
	}
	if d.OwnerOrg, err = actingOrg(ctx, 0); err != nil {
		return err
	}
	if d.Stage != "" && d.Stage != domain.StagePreparation {
		return Errorf("stage", "un diagnostic commence à l'étape préparation (les étapes se suivent ensuite)")
	}
	d.ID, d.Stage, d.StageMoves = 0, domain.StagePreparation, []domain.StageMove{}
	if err := d.Validate(ref); err != nil {
		return err
	}
	if err := s.checkTerritory(ctx, "perimeter", d.Perimeter); err != nil {
		return err
	}
	if err := s.fillParticipants(ctx, d); err != nil {
		return err
	}
	if err := s.checkSteeringBody(ctx, d); err != nil {
		return err
	}
	if err := canWrite(ctx, auth.Create, d.OwnerOrg, d.Visibility, "créer un diagnostic"); err != nil {
		return err
	}
	return save(ctx, s, "create", "diagnostic", s.Diag.CreateDiagnostic, d)
}

// Diagnostic reads a diagnostic the caller may see.
func (s *Service) Diagnostic(ctx context.Context, id int64) (*domain.Diagnostic, error) {
	d, err := s.Diag.Diagnostic(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canSee(ctx, d.Meta, d) {
		return nil, domain.NotFound("Diagnostic", strconv.FormatInt(id, 10))
	}
	return d, nil
}

// Diagnostics lists the diagnostics the caller may see.
func (s *Service) Diagnostics(ctx context.Context, f domain.DiagnosticFilter) (domain.Page[domain.Diagnostic], error) {
	off, lim := f.Offset, f.Limit
	f.Offset, f.Limit = 0, 0
	all, err := s.Diag.Diagnostics(ctx, f)
	return visiblePage(all, err, off, lim, func(d *domain.Diagnostic) bool { return canSee(ctx, d.Meta, d) })
}

func page[T any](xs []T, off, lim int) domain.Page[T] {
	p := domain.Page[T]{Total: len(xs), Offset: off, Limit: lim, Items: []T{}}
	off = max(0, min(off, len(xs)))
	end := len(xs)
	if lim > 0 && off+lim < end {
		end = off + lim
	}
	p.Items = append(p.Items, xs[off:end]...)
	return p
}

// UpdateDiagnostic changes a diagnostic's scope and participants (not its
// stage: see MoveStage). d.Version must be the version read.
func (s *Service) UpdateDiagnostic(ctx context.Context, d *domain.Diagnostic) error {
	return update(ctx, s, "diagnostic", d, s.Diagnostic, func(cur *domain.Diagnostic) error {
		if err := canWrite(ctx, auth.Update, cur.OwnerOrg, cur.Visibility, "modifier ce diagnostic"); err != nil {
			return err
		}
		ref, err := s.Store.Referentials(ctx)
		if err != nil {
			return err
		}
		if d.Stage != "" && d.Stage != cur.Stage {
			return Errorf("stage", "l'étape change par un passage d'étape (POST .../stage), pas par une modification")
		}
		d.Stage, d.StageMoves = cur.Stage, cur.StageMoves
		if err := d.Validate(ref); err != nil {
			return err
		}
		if err := s.checkTerritory(ctx, "perimeter", d.Perimeter); err != nil {
			return err
		}
		if err := s.fillParticipants(ctx, d); err != nil {
			return err
		}
		return s.checkSteeringBody(ctx, d)
	}, s.Diag.UpdateDiagnostic)
}

// MoveStage moves a diagnostic to another stage, recording who and when.
// Entering the restitution puts the proposed findings up for debate.
func (s *Service) MoveStage(ctx context.Context, id int64, to, note string) (*domain.Diagnostic, error) {
	d, err := s.Diagnostic(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canWrite(ctx, auth.Update, d.OwnerOrg, d.Visibility, "faire avancer ce diagnostic"); err != nil {
		return nil, err
	}
	fs, err := s.Diag.Findings(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := CheckStageMove(d, to, fs); err != nil {
		return nil, err
	}
	mv := domain.StageMove{From: d.Stage, To: to, At: s.now(), Note: note}
	if p := domain.PrincipalFrom(ctx); p != nil {
		mv.UserID, mv.OrgID = p.UserID, p.OrgID
	}
	d.Stage = to
	d.StageMoves = append(d.StageMoves, mv)
	if err := s.Diag.UpdateDiagnostic(ctx, d); err != nil {
		return nil, err
	}
	if to == domain.StageRestitution {
		for i := range fs {
			if fs[i].Status == domain.FindingProposed {
				fs[i].Status = domain.FindingDebated
				if err := s.Diag.UpdateFinding(ctx, &fs[i]); err != nil {
					return nil, err
				}
			}
		}
	}
	s.audit(ctx, "stage", "diagnostic", d.ID, mv)
	return d, nil
}

// FreezePortrait runs the analysis on the diagnostic's scope (its perimeter
// and themes unless params say otherwise) and stores the parameters, the
// data version and the result as they are now.
func (s *Service) FreezePortrait(ctx context.Context, id int64, params *analysis.Params) (*domain.Portrait, error) {
	d, err := s.Diagnostic(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canWrite(ctx, auth.Update, d.OwnerOrg, d.Visibility, "figer le portrait de ce diagnostic"); err != nil {
		return nil, err
	}
	var p analysis.Params
	if params != nil {
		p = *params
	}
	if p.Scope == "" {
		p.Scope = d.Perimeter
	}
	if len(p.Themes) == 0 {
		p.Themes = d.Themes
	}
	if len(p.Publics) == 0 {
		p.Publics = d.Publics
	}
	if p.Year == 0 && d.PeriodEnd != nil {
		p.Year = d.PeriodEnd.Year()
	}
	var snap *analysis.Snapshot
	if s.Snapshot != nil {
		snap, err = s.Snapshot(ctx)
	} else {
		snap, err = analysis.Load(ctx, s.Store)
	}
	if err != nil {
		return nil, err
	}
	res, err := analysis.Analyse(snap, p)
	if err != nil {
		return nil, err
	}
	resJSON, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	parJSON, err := json.Marshal(res.Params)
	if err != nil {
		return nil, err
	}
	pt := &domain.Portrait{DiagnosticID: id, TakenAt: s.now(), DataVersion: snap.DataVersion, Params: parJSON, Result: resJSON}
	pt.OwnerOrg, pt.Visibility = d.OwnerOrg, d.Visibility
	if err := s.Diag.SavePortrait(ctx, pt); err != nil {
		return nil, err
	}
	s.audit(ctx, "create", "portrait", pt.ID, map[string]any{"diagnostic_id": id, "data_version": pt.DataVersion})
	return pt, nil
}

// ---- Fieldwork ----

func (s *Service) openDiagnostic(ctx context.Context, id int64, stages ...string) (*domain.Diagnostic, error) {
	d, err := s.Diagnostic(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "diagnostic_id", "diagnostic %d introuvable", id)
	}
	if len(stages) > 0 && !slices.Contains(stages, d.Stage) {
		names := make([]string, len(stages))
		for i, st := range stages {
			names[i] = domain.StageLabel(st)
		}
		return nil, Errorf("stage", "impossible à l'étape « %s » du diagnostic (possible : %v)", domain.StageLabel(d.Stage), names)
	}
	return d, nil
}

// AddActivity records a fieldwork activity.
func (s *Service) AddActivity(ctx context.Context, a *domain.Activity) error {
	inherit := a.Visibility == ""
	if err := a.Validate(); err != nil {
		return err
	}
	d, err := s.openDiagnostic(ctx, a.DiagnosticID, domain.StagePreparation, domain.StageFieldwork, domain.StageRestitution)
	if err != nil {
		return err
	}
	if a.OwnerOrg, err = actingOrg(ctx, 0); err != nil {
		return err
	}
	if inherit {
		a.Visibility = d.Visibility
		if a.PersonalData && a.Visibility == domain.VisibilityPublic {
			a.Visibility = domain.VisibilityPartners
		}
	}
	if err := canWrite(ctx, auth.Create, a.OwnerOrg, a.Visibility, "ajouter une activité de terrain"); err != nil {
		return err
	}
	a.ID = 0
	return save(ctx, s, "create", "activity", s.Diag.CreateActivity, a)
}

// UpdateActivity changes an activity (a.Version: the version read).
func (s *Service) UpdateActivity(ctx context.Context, a *domain.Activity) error {
	return update(ctx, s, "activity", a, s.Diag.Activity, func(cur *domain.Activity) error {
		if err := canWrite(ctx, auth.Update, cur.OwnerOrg, cur.Visibility, "modifier cette activité"); err != nil {
			return err
		}
		a.DiagnosticID = cur.DiagnosticID
		return a.Validate()
	}, s.Diag.UpdateActivity)
}

// Activities lists a diagnostic's activities the caller may see.
func (s *Service) Activities(ctx context.Context, diag int64) ([]domain.Activity, error) {
	return visibleIn(ctx, s, diag, s.Diag.Activities)
}

// AddAttachment checks a file (size, type sniffed from the content) and
// attaches it to an activity.
func (s *Service) AddAttachment(ctx context.Context, activity int64, name string, content []byte) (*domain.Attachment, error) {
	act, err := s.Diag.Activity(ctx, activity)
	if err != nil {
		return nil, notFoundAs(err, "activity_id", "activité %d introuvable", activity)
	}
	if _, err := s.openDiagnostic(ctx, act.DiagnosticID); err != nil {
		return nil, err
	}
	name = cleanFileName(name)
	mt, err := SniffAttachment(name, content, s.MaxAttachment)
	if err != nil {
		return nil, err
	}
	a := &domain.Attachment{ActivityID: activity, DiagnosticID: act.DiagnosticID, Name: name, MediaType: mt, Size: int64(len(content)), SHA256: sha256Hex(content)}
	if a.OwnerOrg, err = actingOrg(ctx, 0); err != nil {
		return nil, err
	}
	a.Visibility = act.Visibility
	if err := canWrite(ctx, auth.Create, a.OwnerOrg, a.Visibility, "joindre un fichier"); err != nil {
		return nil, err
	}
	if err := s.Diag.CreateAttachment(ctx, a, content); err != nil {
		return nil, err
	}
	s.audit(ctx, "create", "attachment", a.ID, a)
	return a, nil
}

// Attachment returns an attachment and its content, when visible.
func (s *Service) Attachment(ctx context.Context, id int64) (*domain.Attachment, []byte, error) {
	a, err := s.Diag.Attachment(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.Diag.Diagnostic(ctx, a.DiagnosticID)
	if err != nil {
		return nil, nil, err
	}
	if !canSee(ctx, a.Meta, d) {
		return nil, nil, domain.NotFound("Pièce jointe", strconv.FormatInt(id, 10))
	}
	b, err := s.Diag.AttachmentContent(ctx, id)
	return a, b, err
}

// ---- Findings and positions ----

func (s *Service) checkEvidence(ctx context.Context, d *domain.Diagnostic, f *domain.Finding) error {
	for i, e := range f.Evidence {
		switch e.Kind {
		case domain.EvidenceActivity:
			a, err := s.Diag.Activity(ctx, e.ActivityID)
			if err != nil || a.DiagnosticID != d.ID {
				return Errorf("evidence", "preuve n°%d : l'activité %d n'appartient pas au diagnostic %d", i+1, e.ActivityID, d.ID)
			}
		case domain.EvidenceAnalysis:
			p, err := s.Diag.Portrait(ctx, e.PortraitID)
			if err != nil || p.DiagnosticID != d.ID {
				return Errorf("evidence", "preuve n°%d : le portrait %d n'appartient pas au diagnostic %d", i+1, e.PortraitID, d.ID)
			}
		case domain.EvidenceIndicator:
			if _, err := s.Store.Indicator(ctx, e.Indicator); err != nil {
				return Errorf("evidence", "preuve n°%d : indicateur inconnu %q", i+1, e.Indicator)
			}
			if err := s.checkTerritory(ctx, "evidence", e.Territory); err != nil {
				return err
			}
		case domain.EvidenceAction:
			if _, err := s.Store.Action(ctx, e.ActionID); err != nil {
				return Errorf("evidence", "preuve n°%d : action %d introuvable", i+1, e.ActionID)
			}
		}
	}
	return nil
}

// AddFinding records a finding (before the diagnostic is validated). Its
// author must be a participant (or the diagnostic's owner).
func (s *Service) AddFinding(ctx context.Context, f *domain.Finding) error {
	ref, err := s.Store.Referentials(ctx)
	if err != nil {
		return err
	}
	if f.AuthorOrg, err = actingOrg(ctx, f.AuthorOrg); err != nil {
		return err
	}
	f.Status, f.Previous, f.ID = domain.FindingProposed, nil, 0
	inherit := f.Visibility == ""
	if err := f.Validate(ref); err != nil {
		return err
	}
	d, err := s.openDiagnostic(ctx, f.DiagnosticID, domain.StagePreparation, domain.StageFieldwork, domain.StageRestitution)
	if err != nil {
		return err
	}
	if _, ok := d.Participant(f.AuthorOrg); !ok && f.AuthorOrg != d.OwnerOrg {
		return Errorf("author_org", "l'organisation %d ne participe pas au diagnostic « %s »", f.AuthorOrg, d.Title)
	}
	if err := s.checkTerritory(ctx, "territory", f.Territory); err != nil {
		return err
	}
	if err := s.checkEvidence(ctx, d, f); err != nil {
		return err
	}
	f.OwnerOrg = f.AuthorOrg
	if inherit {
		f.Visibility = d.Visibility
	}
	if err := canWrite(ctx, auth.Create, f.OwnerOrg, f.Visibility, "écrire un constat"); err != nil {
		return err
	}
	return save(ctx, s, "create", "finding", s.Diag.CreateFinding, f)
}

// UpdateFinding changes a finding's wording, theme or evidence while it is
// proposed or debated; f.Version must be the version read (a stale one is a
// conflict: two people editing the same finding).
func (s *Service) UpdateFinding(ctx context.Context, f *domain.Finding) error {
	return update(ctx, s, "finding", f, s.Diag.Finding, func(cur *domain.Finding) error {
		d, err := s.openDiagnostic(ctx, cur.DiagnosticID, domain.StagePreparation, domain.StageFieldwork, domain.StageRestitution)
		if err != nil {
			return err
		}
		if err := canWrite(ctx, auth.Update, cur.OwnerOrg, cur.Visibility, "modifier ce constat"); err != nil {
			return err
		}
		if cur.Status != domain.FindingProposed && cur.Status != domain.FindingDebated {
			return Errorf("status", "le constat %d a été examiné en restitution (%s) : il ne se modifie plus", cur.ID, cur.Status)
		}
		if f.Status != "" && f.Status != cur.Status {
			return Errorf("status", "le statut d'un constat change en restitution, pas par une modification")
		}
		ref, err := s.Store.Referentials(ctx)
		if err != nil {
			return err
		}
		f.DiagnosticID, f.AuthorOrg, f.Status, f.Previous = cur.DiagnosticID, cur.AuthorOrg, cur.Status, cur.Previous
		if err := f.Validate(ref); err != nil {
			return err
		}
		return s.checkEvidence(ctx, d, f)
	}, s.Diag.UpdateFinding)
}

// Findings lists a diagnostic's findings the caller may see.
func (s *Service) Findings(ctx context.Context, diag int64) ([]domain.Finding, error) {
	return visibleIn(ctx, s, diag, s.Diag.Findings)
}

// AddPosition records an organisation's position on a finding (a change of
// position adds to the history).
func (s *Service) AddPosition(ctx context.Context, p *domain.Position) error {
	f, err := s.Diag.Finding(ctx, p.FindingID)
	if err != nil {
		return notFoundAs(err, "finding_id", "constat %d introuvable", p.FindingID)
	}
	d, err := s.openDiagnostic(ctx, f.DiagnosticID)
	if err != nil {
		return err
	}
	if p.OrgID, err = actingOrg(ctx, p.OrgID); err != nil {
		return err
	}
	p.ID, p.DiagnosticID, p.At = 0, d.ID, s.now()
	p.OwnerOrg = p.OrgID
	if p.Visibility == "" {
		p.Visibility = d.Visibility
	}
	if u := domain.PrincipalFrom(ctx); u != nil {
		p.UserID = u.UserID
	}
	if err := CheckPosition(d, f, p); err != nil {
		return err
	}
	if err := canWrite(ctx, auth.Create, p.OwnerOrg, p.Visibility, "prendre position pour cette organisation"); err != nil {
		return err
	}
	return save(ctx, s, "create", "position", s.Diag.AddPosition, p)
}

// Positions lists positions of a diagnostic (history, or current ones).
func (s *Service) Positions(ctx context.Context, diag int64, history bool) ([]domain.Position, error) {
	if _, err := s.Diagnostic(ctx, diag); err != nil {
		return nil, err
	}
	return s.Diag.Positions(ctx, domain.PositionFilter{Diagnostic: diag, History: history})
}

// ---- Restitution and priorities ----

// CreateRestitution records a restitution-debate with its candidate
// priorities (reviews come one by one through Review).
func (s *Service) CreateRestitution(ctx context.Context, r *domain.Restitution) error {
	d, err := s.openDiagnostic(ctx, r.DiagnosticID, domain.StageFieldwork, domain.StageRestitution)
	if err != nil {
		return err
	}
	if err := canWrite(ctx, auth.Update, d.OwnerOrg, d.Visibility, "organiser la restitution de ce diagnostic"); err != nil {
		return err
	}
	r.ID, r.Reviews, r.OwnerOrg = 0, []domain.Review{}, d.OwnerOrg
	if r.Visibility == "" {
		r.Visibility = d.Visibility
	}
	if err := r.Validate(); err != nil {
		return err
	}
	return save(ctx, s, "create", "restitution", s.Diag.CreateRestitution, r)
}

// UpdateRestitution changes a restitution's date, attendees, notes,
// priorities and allowance (not its reviews); r.Version: the version read.
func (s *Service) UpdateRestitution(ctx context.Context, r *domain.Restitution) error {
	return update(ctx, s, "restitution", r, s.Diag.Restitution, func(cur *domain.Restitution) error {
		d, err := s.openDiagnostic(ctx, cur.DiagnosticID, domain.StageFieldwork, domain.StageRestitution)
		if err != nil {
			return err
		}
		if err := canWrite(ctx, auth.Update, d.OwnerOrg, d.Visibility, "modifier cette restitution"); err != nil {
			return err
		}
		r.DiagnosticID, r.Reviews = cur.DiagnosticID, cur.Reviews
		if err := r.Validate(); err != nil {
			return err
		}
		votes, err := s.Diag.Votes(ctx, r.ID)
		if err != nil {
			return err
		}
		for _, v := range votes {
			if err := v.Validate(r); err != nil {
				return Errorf("priorities", "l'organisation %d a déjà voté : ses points ne tiendraient plus (%v)", v.OrgID, err)
			}
		}
		return nil
	}, s.Diag.UpdateRestitution)
}

// Review records the restitution's decision on a finding. findingVersion,
// when not 0, is the version of the finding the caller read.
func (s *Service) Review(ctx context.Context, restitution int64, rv domain.Review, findingVersion int64) (*domain.Restitution, *domain.Finding, error) {
	r, err := s.Diag.Restitution(ctx, restitution)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.openDiagnostic(ctx, r.DiagnosticID)
	if err != nil {
		return nil, nil, err
	}
	if err := canWrite(ctx, auth.Update, d.OwnerOrg, d.Visibility, "arbitrer les constats de ce diagnostic"); err != nil {
		return nil, nil, err
	}
	f, err := s.Diag.Finding(ctx, rv.FindingID)
	if err != nil {
		return nil, nil, notFoundAs(err, "finding_id", "constat %d introuvable", rv.FindingID)
	}
	if findingVersion != 0 && findingVersion != f.Version {
		return nil, nil, domain.Conflict("Constat", strconv.FormatInt(f.ID, 10))
	}
	rv.At = s.now()
	if err := ApplyReview(d, r, f, rv); err != nil {
		return nil, nil, err
	}
	if err := s.Diag.ReviewFinding(ctx, r, f); err != nil {
		return nil, nil, err
	}
	s.audit(ctx, "review", "finding", f.ID, rv)
	return r, f, nil
}

// Vote records an organisation's distribution of points.
func (s *Service) Vote(ctx context.Context, v *domain.PriorityVote) error {
	r, err := s.Diag.Restitution(ctx, v.RestitutionID)
	if err != nil {
		return notFoundAs(err, "restitution_id", "restitution %d introuvable", v.RestitutionID)
	}
	d, err := s.openDiagnostic(ctx, r.DiagnosticID)
	if err != nil {
		return err
	}
	if v.OrgID, err = actingOrg(ctx, v.OrgID); err != nil {
		return err
	}
	v.ID, v.DiagnosticID, v.At, v.OwnerOrg = 0, d.ID, s.now(), v.OrgID
	if v.Visibility == "" {
		v.Visibility = d.Visibility
	}
	if u := domain.PrincipalFrom(ctx); u != nil {
		v.UserID = u.UserID
	}
	if err := CheckVote(d, r, v); err != nil {
		return err
	}
	if err := canWrite(ctx, auth.Create, v.OwnerOrg, v.Visibility, "voter pour cette organisation"); err != nil {
		return err
	}
	return save(ctx, s, "vote", "priority_vote", s.Diag.PutVote, v)
}

// ---- Synthesis ----

// RestitutionResult is a restitution with its votes and ranking.
type RestitutionResult struct {
	Restitution domain.Restitution    `json:"restitution"`
	Votes       []domain.PriorityVote `json:"votes"`
	Ranking     []RankedPriority      `json:"ranking"`
}

// Synthesis is everything a diagnostic holds, with the crossing of
// viewpoints and the ranking of priorities: the structured document that
// the JSON export and the Markdown rendering share.
type Synthesis struct {
	Diagnostic   domain.Diagnostic   `json:"diagnostic"`
	Territory    string              `json:"territory_name,omitempty"`
	Portraits    []PortraitRef       `json:"portraits"`
	Activities   []domain.Activity   `json:"activities"`
	Findings     []domain.Finding    `json:"findings"`
	Positions    []domain.Position   `json:"positions"` // full history
	Crossings    []Crossing          `json:"crossings"`
	Pairs        []PairAgreement     `json:"pairs"`
	Restitutions []RestitutionResult `json:"restitutions"`
	GeneratedAt  time.Time           `json:"generated_at"`
}

// PortraitRef describes a frozen portrait (its result is read separately).
type PortraitRef struct {
	ID          int64           `json:"id"`
	TakenAt     time.Time       `json:"taken_at"`
	DataVersion int64           `json:"data_version"`
	Params      json.RawMessage `json:"params"`
}

// Synthesis gathers a diagnostic and computes its crossing and rankings.
func (s *Service) Synthesis(ctx context.Context, id int64) (*Synthesis, error) {
	d, err := s.Diagnostic(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &Synthesis{Diagnostic: *d, GeneratedAt: s.now(), Restitutions: []RestitutionResult{}}
	if t, err := s.Store.Territory(ctx, d.Perimeter); err == nil {
		out.Territory = t.Name
	}
	if out.Portraits, err = s.portraitRefs(ctx, id); err != nil {
		return nil, err
	}
	if out.Activities, err = s.Activities(ctx, id); err != nil {
		return nil, err
	}
	if out.Findings, err = s.Findings(ctx, id); err != nil {
		return nil, err
	}
	if out.Positions, err = s.Diag.Positions(ctx, domain.PositionFilter{Diagnostic: id, History: true}); err != nil {
		return nil, err
	}
	out.Crossings = Cross(d, out.Findings, out.Positions, 0)
	out.Pairs = Pairs(d, out.Positions)
	if out.Pairs == nil {
		out.Pairs = []PairAgreement{}
	}
	rs, err := s.Diag.Restitutions(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		votes, err := s.Diag.Votes(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		out.Restitutions = append(out.Restitutions, RestitutionResult{Restitution: r, Votes: votes, Ranking: Rank(d, &r, votes)})
	}
	return out, nil
}

// portraitRefs describes a diagnostic's frozen portraits (never nil).
func (s *Service) portraitRefs(ctx context.Context, diag int64) ([]PortraitRef, error) {
	ps, err := s.Diag.Portraits(ctx, diag)
	if err != nil {
		return nil, err
	}
	out := make([]PortraitRef, 0, len(ps))
	for _, p := range ps {
		out = append(out, PortraitRef{ID: p.ID, TakenAt: p.TakenAt, DataVersion: p.DataVersion, Params: p.Params})
	}
	return out, nil
}

// Portraits describes the frozen portraits of a diagnostic the caller may
// see (without their result).
func (s *Service) Portraits(ctx context.Context, diag int64) ([]PortraitRef, error) {
	if _, err := s.Diagnostic(ctx, diag); err != nil {
		return nil, err
	}
	return s.portraitRefs(ctx, diag)
}

// Portrait reads a frozen portrait, with its result, when the caller may
// see its diagnostic.
func (s *Service) Portrait(ctx context.Context, id int64) (*domain.Portrait, error) {
	p, err := s.Diag.Portrait(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Diagnostic(ctx, p.DiagnosticID); err != nil {
		return nil, domain.NotFound("Portrait", strconv.FormatInt(id, 10))
	}
	return p, nil
}

// Finding reads a finding when the caller may see its diagnostic.
func (s *Service) Finding(ctx context.Context, id int64) (*domain.Finding, error) {
	f, err := s.Diag.Finding(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Diagnostic(ctx, f.DiagnosticID); err != nil {
		return nil, domain.NotFound("Constat", strconv.FormatInt(id, 10))
	}
	return f, nil
}

// Restitutions lists the restitutions of a diagnostic the caller may see.
func (s *Service) Restitutions(ctx context.Context, diag int64) ([]domain.Restitution, error) {
	if _, err := s.Diagnostic(ctx, diag); err != nil {
		return nil, err
	}
	return s.Diag.Restitutions(ctx, diag)
}

// Ranking is a restitution with its votes, the ranking of its priorities
// and the spread of points, when the caller may see its diagnostic.
func (s *Service) Ranking(ctx context.Context, restitution int64) (*RestitutionResult, error) {
	r, err := s.Diag.Restitution(ctx, restitution)
	if err != nil {
		return nil, err
	}
	syn, err := s.Synthesis(ctx, r.DiagnosticID)
	if err != nil {
		return nil, err
	}
	for i := range syn.Restitutions {
		if syn.Restitutions[i].Restitution.ID == restitution {
			return &syn.Restitutions[i], nil
		}
	}
	return nil, domain.NotFound("Restitution", strconv.FormatInt(restitution, 10))
}
