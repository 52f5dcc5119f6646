package sqldb

import (
	"context"
	"database/sql"
	"sort"

	"maillage/internal/domain"
)

// CreateBody stores a governance body.
func (s *DB) CreateBody(ctx context.Context, b *domain.Body) error {
	return s.docWrite(ctx, tBodies.bump, func(tx *sql.Tx) error {
		return s.insertDoc(ctx, tx, tBodies, place{}, b, nil)
	})
}

// Body reads a body.
func (s *DB) Body(ctx context.Context, id int64) (*domain.Body, error) {
	var b domain.Body
	if err := s.getDoc(ctx, s.R, tBodies, id, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// Bodies lists bodies (filtered in Go).
func (s *DB) Bodies(ctx context.Context, f domain.BodyFilter) (domain.Page[domain.Body], error) {
	all, err := listDocs[domain.Body](ctx, s, s.R, tBodies, "")
	if err != nil {
		return domain.Page[domain.Body]{}, err
	}
	var out []domain.Body
	for _, b := range all {
		if (f.Kind != "" && b.Kind != f.Kind) || (f.Territory != "" && b.Territory != f.Territory) ||
			(f.Diagnostic != 0 && b.DiagnosticID != f.Diagnostic) || (f.Convention != 0 && b.ConventionID != f.Convention) ||
			(f.Member != 0 && !b.HasMember(f.Member)) {
			continue
		}
		out = append(out, b)
	}
	return docPage(out, f.Offset, f.Limit), nil
}

// UpdateBody writes a body, checking its version.
func (s *DB) UpdateBody(ctx context.Context, b *domain.Body) error {
	return s.docWrite(ctx, tBodies.bump, func(tx *sql.Tx) error { return s.updateDoc(ctx, tx, tBodies, nil, b) })
}

// DeleteBody deletes a body, its meetings and decisions.
func (s *DB) DeleteBody(ctx context.Context, id int64) error {
	return s.docWrite(ctx, tBodies.bump, func(tx *sql.Tx) error {
		if err := s.deleteDoc(ctx, tx, tBodies, id); err != nil {
			return err
		}
		if err := s.deleteWhere(ctx, tx, tMeetings, "scope_id = ?", id); err != nil {
			return err
		}
		return s.deleteWhere(ctx, tx, tDecisions, "scope_id = ?", id)
	})
}

// CreateMeeting stores a meeting of a body.
func (s *DB) CreateMeeting(ctx context.Context, m *domain.Meeting) error {
	return s.docWrite(ctx, tMeetings.bump, func(tx *sql.Tx) error {
		if err := s.docExists(ctx, tx, tBodies, m.BodyID); err != nil {
			return err
		}
		return s.insertDoc(ctx, tx, tMeetings, place{scope: m.BodyID}, m, nil)
	})
}

// Meeting reads a meeting.
func (s *DB) Meeting(ctx context.Context, id int64) (*domain.Meeting, error) {
	var m domain.Meeting
	if err := s.getDoc(ctx, s.R, tMeetings, id, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// Meetings lists a body's meetings by date.
func (s *DB) Meetings(ctx context.Context, body int64) ([]domain.Meeting, error) {
	ms, err := listDocs[domain.Meeting](ctx, s, s.R, tMeetings, "scope_id = ?", body)
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Date.Before(ms[j].Date.Time) })
	return ms, err
}

// UpdateMeeting writes a meeting, checking its version.
func (s *DB) UpdateMeeting(ctx context.Context, m *domain.Meeting) error {
	return s.docWrite(ctx, tMeetings.bump, func(tx *sql.Tx) error { return s.updateDoc(ctx, tx, tMeetings, nil, m) })
}

// DeleteMeeting deletes a meeting (its decisions stay with the body).
func (s *DB) DeleteMeeting(ctx context.Context, id int64) error {
	return s.docWrite(ctx, tMeetings.bump, func(tx *sql.Tx) error { return s.deleteDoc(ctx, tx, tMeetings, id) })
}

// CreateDecision stores a decision of a body.
func (s *DB) CreateDecision(ctx context.Context, d *domain.Decision) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error {
		if err := s.docExists(ctx, tx, tBodies, d.BodyID); err != nil {
			return err
		}
		if d.MeetingID != 0 {
			var m domain.Meeting
			if err := s.getDoc(ctx, tx, tMeetings, d.MeetingID, &m); err != nil {
				return err
			}
			if m.BodyID != d.BodyID {
				var v domain.Validation
				v.Add("meeting_id", "la réunion %d n'est pas une réunion de l'instance %d", d.MeetingID, d.BodyID)
				return v.Err()
			}
		}
		return s.insertDoc(ctx, tx, tDecisions, place{scope: d.BodyID, parent: d.MeetingID, org: d.OwnerOrgID}, d, nil)
	})
}

// Decision reads a decision.
func (s *DB) Decision(ctx context.Context, id int64) (*domain.Decision, error) {
	var d domain.Decision
	if err := s.getDoc(ctx, s.R, tDecisions, id, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Decisions lists decisions.
func (s *DB) Decisions(ctx context.Context, f domain.DecisionFilter) ([]domain.Decision, error) {
	where, args := "", []any{}
	add := func(cond string, v any) {
		if where != "" {
			where += " AND "
		}
		where += cond
		args = append(args, v)
	}
	if f.Body != 0 {
		add("scope_id = ?", f.Body)
	}
	if f.Meeting != 0 {
		add("parent_id = ?", f.Meeting)
	}
	if f.OwnerOrg != 0 {
		add("org_id = ?", f.OwnerOrg)
	}
	ds, err := listDocs[domain.Decision](ctx, s, s.R, tDecisions, where, args...)
	if err != nil || f.Status == "" {
		return ds, err
	}
	out := ds[:0]
	for _, d := range ds {
		if d.Status == f.Status {
			out = append(out, d)
		}
	}
	return out, nil
}

// UpdateDecision writes a decision, checking its version.
func (s *DB) UpdateDecision(ctx context.Context, d *domain.Decision) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error {
		return s.updateDoc(ctx, tx, tDecisions, &place{scope: d.BodyID, parent: d.MeetingID, org: d.OwnerOrgID}, d)
	})
}

// DeleteDecision deletes a decision.
func (s *DB) DeleteDecision(ctx context.Context, id int64) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error { return s.deleteDoc(ctx, tx, tDecisions, id) })
}

// CreateConvention stores a convention.
func (s *DB) CreateConvention(ctx context.Context, c *domain.Convention) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error {
		return s.insertDoc(ctx, tx, tConventions, place{}, c, nil)
	})
}

// Convention reads a convention.
func (s *DB) Convention(ctx context.Context, id int64) (*domain.Convention, error) {
	var c domain.Convention
	if err := s.getDoc(ctx, s.R, tConventions, id, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Conventions lists conventions (filtered in Go).
func (s *DB) Conventions(ctx context.Context, f domain.ConventionFilter) (domain.Page[domain.Convention], error) {
	all, err := listDocs[domain.Convention](ctx, s, s.R, tConventions, "")
	if err != nil {
		return domain.Page[domain.Convention]{}, err
	}
	var out []domain.Convention
	for _, c := range all {
		if (f.Kind != "" && c.Kind != f.Kind) || (f.Perimeter != "" && c.Perimeter != f.Perimeter) ||
			(f.Theme != "" && !docContains(c.Themes, f.Theme)) || (f.Diagnostic != 0 && c.DiagnosticID != f.Diagnostic) ||
			(f.ActiveOn != nil && !c.Covers(*f.ActiveOn)) {
			continue
		}
		out = append(out, c)
	}
	return docPage(out, f.Offset, f.Limit), nil
}

// UpdateConvention writes a convention, checking its version.
func (s *DB) UpdateConvention(ctx context.Context, c *domain.Convention) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error { return s.updateDoc(ctx, tx, tConventions, nil, c) })
}

// DeleteConvention deletes a convention, its fiches and measurements.
func (s *DB) DeleteConvention(ctx context.Context, id int64) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error {
		if err := s.deleteDoc(ctx, tx, tConventions, id); err != nil {
			return err
		}
		if err := s.deleteWhere(ctx, tx, tFiches, "scope_id = ?", id); err != nil {
			return err
		}
		return s.deleteWhere(ctx, tx, tMeasurements, "scope_id = ?", id)
	})
}

// CreateFiche stores a fiche action.
func (s *DB) CreateFiche(ctx context.Context, f *domain.FicheAction) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error {
		if err := s.docExists(ctx, tx, tConventions, f.ConventionID); err != nil {
			return err
		}
		return s.insertDoc(ctx, tx, tFiches, place{scope: f.ConventionID}, f, nil)
	})
}

// Fiche reads a fiche action.
func (s *DB) Fiche(ctx context.Context, id int64) (*domain.FicheAction, error) {
	var f domain.FicheAction
	if err := s.getDoc(ctx, s.R, tFiches, id, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// Fiches lists a convention's fiches.
func (s *DB) Fiches(ctx context.Context, convention int64) ([]domain.FicheAction, error) {
	return listDocs[domain.FicheAction](ctx, s, s.R, tFiches, "scope_id = ?", convention)
}

// UpdateFiche writes a fiche, checking its version.
func (s *DB) UpdateFiche(ctx context.Context, f *domain.FicheAction) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error { return s.updateDoc(ctx, tx, tFiches, nil, f) })
}

// DeleteFiche deletes a fiche and its measurements.
func (s *DB) DeleteFiche(ctx context.Context, id int64) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error {
		if err := s.deleteDoc(ctx, tx, tFiches, id); err != nil {
			return err
		}
		return s.deleteWhere(ctx, tx, tMeasurements, "parent_id = ?", id)
	})
}

// AddMeasurement stores a measurement of a fiche's indicator.
func (s *DB) AddMeasurement(ctx context.Context, m *domain.Measurement) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error {
		var f domain.FicheAction
		if err := s.getDoc(ctx, tx, tFiches, m.FicheID, &f); err != nil {
			return err
		}
		m.ConventionID = f.ConventionID
		return s.insertDoc(ctx, tx, tMeasurements, place{scope: m.ConventionID, parent: m.FicheID}, m, nil)
	})
}

// Measurements lists measurements by fiche, indicator and date.
func (s *DB) Measurements(ctx context.Context, f domain.MeasurementFilter) ([]domain.Measurement, error) {
	where, args := "", []any{}
	switch {
	case f.Fiche != 0:
		where, args = "parent_id = ?", []any{f.Fiche}
	case f.Convention != 0:
		where, args = "scope_id = ?", []any{f.Convention}
	}
	ms, err := listDocs[domain.Measurement](ctx, s, s.R, tMeasurements, where, args...)
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if a.FicheID != b.FicheID {
			return a.FicheID < b.FicheID
		}
		if a.Indicator != b.Indicator {
			return a.Indicator < b.Indicator
		}
		return a.Date.Before(b.Date.Time)
	})
	return ms, err
}

// DeleteMeasurement deletes a measurement.
func (s *DB) DeleteMeasurement(ctx context.Context, id int64) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error { return s.deleteDoc(ctx, tx, tMeasurements, id) })
}

var (
	_ domain.DiagnosticStore = (*DB)(nil)
	_ domain.GovernanceStore = (*DB)(nil)
)
