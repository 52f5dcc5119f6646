package sqldb

import (
	"context"
	"database/sql"
	"sort"
	"strconv"
	"strings"

	"maillage/internal/domain"
)

// CreateDiagnostic stores a new diagnostic.
func (s *DB) CreateDiagnostic(ctx context.Context, d *domain.Diagnostic) error {
	return s.docWrite(ctx, tDiagnostics.bump, func(tx *sql.Tx) error {
		return s.insertDoc(ctx, tx, tDiagnostics, place{}, d, nil)
	})
}

// Diagnostic reads a diagnostic.
func (s *DB) Diagnostic(ctx context.Context, id int64) (*domain.Diagnostic, error) {
	var d domain.Diagnostic
	if err := s.getDoc(ctx, s.R, tDiagnostics, id, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Diagnostics lists diagnostics (filtered in Go: there are few).
func (s *DB) Diagnostics(ctx context.Context, f domain.DiagnosticFilter) (domain.Page[domain.Diagnostic], error) {
	all, err := listDocs[domain.Diagnostic](ctx, s, s.R, tDiagnostics, "")
	if err != nil {
		return domain.Page[domain.Diagnostic]{}, err
	}
	text := domain.SearchFold(f.Text) // as the other text filters: case and accents ignored
	var out []domain.Diagnostic
	for _, d := range all {
		if f.Perimeter != "" && d.Perimeter != f.Perimeter {
			continue
		}
		if f.Stage != "" && d.Stage != f.Stage {
			continue
		}
		if f.Theme != "" && !docContains(d.Themes, f.Theme) {
			continue
		}
		if f.Org != 0 {
			if _, ok := d.Participant(f.Org); !ok && d.OwnerOrg != f.Org {
				continue
			}
		}
		if text != "" && !strings.Contains(domain.SearchFold(d.Title), text) && !strings.Contains(domain.SearchFold(d.Description), text) {
			continue
		}
		out = append(out, d)
	}
	return docPage(out, f.Offset, f.Limit), nil
}

func docContains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// UpdateDiagnostic writes a diagnostic, checking its version.
func (s *DB) UpdateDiagnostic(ctx context.Context, d *domain.Diagnostic) error {
	return s.docWrite(ctx, tDiagnostics.bump, func(tx *sql.Tx) error {
		return s.updateDoc(ctx, tx, tDiagnostics, nil, d)
	})
}

// DeleteDiagnostic deletes a diagnostic and everything in it.
func (s *DB) DeleteDiagnostic(ctx context.Context, id int64) error {
	return s.docWrite(ctx, true, func(tx *sql.Tx) error {
		if err := s.deleteDoc(ctx, tx, tDiagnostics, id); err != nil {
			return err
		}
		for _, t := range []docTable{tPortraits, tActivities, tAttachments, tFindings, tPositions, tRestitutions, tVotes} {
			if err := s.deleteWhere(ctx, tx, t, "scope_id = ?", id); err != nil {
				return err
			}
		}
		return nil
	})
}

// SavePortrait stores a frozen data portrait.
func (s *DB) SavePortrait(ctx context.Context, p *domain.Portrait) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error {
		if err := s.docExists(ctx, tx, tDiagnostics, p.DiagnosticID); err != nil {
			return err
		}
		return s.insertDoc(ctx, tx, tPortraits, place{scope: p.DiagnosticID}, p, nil)
	})
}

// Portrait reads a portrait.
func (s *DB) Portrait(ctx context.Context, id int64) (*domain.Portrait, error) {
	var p domain.Portrait
	if err := s.getDoc(ctx, s.R, tPortraits, id, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Portraits lists a diagnostic's portraits, oldest first.
func (s *DB) Portraits(ctx context.Context, diagnostic int64) ([]domain.Portrait, error) {
	return listDocs[domain.Portrait](ctx, s, s.R, tPortraits, "scope_id = ?", diagnostic)
}

// CreateActivity stores a fieldwork activity.
func (s *DB) CreateActivity(ctx context.Context, a *domain.Activity) error {
	atts := a.Attachments
	a.Attachments = nil
	defer func() { a.Attachments = atts }()
	return s.docWrite(ctx, tActivities.bump, func(tx *sql.Tx) error {
		if err := s.docExists(ctx, tx, tDiagnostics, a.DiagnosticID); err != nil {
			return err
		}
		return s.insertDoc(ctx, tx, tActivities, place{scope: a.DiagnosticID}, a, nil)
	})
}

// Activity reads an activity with its attachments.
func (s *DB) Activity(ctx context.Context, id int64) (*domain.Activity, error) {
	var a domain.Activity
	if err := s.getDoc(ctx, s.R, tActivities, id, &a); err != nil {
		return nil, err
	}
	atts, err := listDocs[domain.Attachment](ctx, s, s.R, tAttachments, "scope_id = ? AND parent_id = ?", a.DiagnosticID, a.ID)
	if err != nil {
		return nil, err
	}
	a.Attachments = atts
	return &a, nil
}

// Activities lists a diagnostic's activities with their attachments.
func (s *DB) Activities(ctx context.Context, diagnostic int64) ([]domain.Activity, error) {
	as, err := listDocs[domain.Activity](ctx, s, s.R, tActivities, "scope_id = ?", diagnostic)
	if err != nil {
		return nil, err
	}
	atts, err := listDocs[domain.Attachment](ctx, s, s.R, tAttachments, "scope_id = ?", diagnostic)
	if err != nil {
		return nil, err
	}
	for i := range as {
		for _, at := range atts {
			if at.ActivityID == as[i].ID {
				as[i].Attachments = append(as[i].Attachments, at)
			}
		}
	}
	sort.SliceStable(as, func(i, j int) bool { return as[i].Date.Before(as[j].Date.Time) })
	return as, nil
}

// UpdateActivity writes an activity (not its attachments), checking its version.
func (s *DB) UpdateActivity(ctx context.Context, a *domain.Activity) error {
	atts := a.Attachments
	a.Attachments = nil
	defer func() { a.Attachments = atts }()
	return s.docWrite(ctx, tActivities.bump, func(tx *sql.Tx) error {
		return s.updateDoc(ctx, tx, tActivities, nil, a)
	})
}

// DeleteActivity deletes an activity and its attachments.
func (s *DB) DeleteActivity(ctx context.Context, id int64) error {
	return s.docWrite(ctx, tActivities.bump, func(tx *sql.Tx) error {
		if err := s.deleteDoc(ctx, tx, tActivities, id); err != nil {
			return err
		}
		return s.deleteWhere(ctx, tx, tAttachments, "parent_id = ?", id)
	})
}

// CreateAttachment stores an attachment and its content.
func (s *DB) CreateAttachment(ctx context.Context, a *domain.Attachment, content []byte) error {
	if content == nil {
		content = []byte{}
	}
	return s.docWrite(ctx, false, func(tx *sql.Tx) error {
		var act domain.Activity
		if err := s.getDoc(ctx, tx, tActivities, a.ActivityID, &act); err != nil {
			return err
		}
		a.DiagnosticID = act.DiagnosticID
		a.Size = int64(len(content))
		return s.insertDoc(ctx, tx, tAttachments, place{scope: a.DiagnosticID, parent: a.ActivityID}, a, content)
	})
}

// Attachment reads an attachment's description.
func (s *DB) Attachment(ctx context.Context, id int64) (*domain.Attachment, error) {
	var a domain.Attachment
	if err := s.getDoc(ctx, s.R, tAttachments, id, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// AttachmentContent reads an attachment's bytes.
func (s *DB) AttachmentContent(ctx context.Context, id int64) ([]byte, error) {
	var b []byte
	err := s.R.QueryRowContext(ctx, s.D.Q("SELECT content FROM diagnostic_attachments WHERE id = ?"), id).Scan(&b)
	if err == sql.ErrNoRows {
		return nil, domain.NotFound(tAttachments.kind, strconv.FormatInt(id, 10))
	}
	return b, err
}

// Attachments lists a diagnostic's attachments.
func (s *DB) Attachments(ctx context.Context, diagnostic int64) ([]domain.Attachment, error) {
	return listDocs[domain.Attachment](ctx, s, s.R, tAttachments, "scope_id = ?", diagnostic)
}

// DeleteAttachment deletes an attachment.
func (s *DB) DeleteAttachment(ctx context.Context, id int64) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error { return s.deleteDoc(ctx, tx, tAttachments, id) })
}

// CreateFinding stores a finding.
func (s *DB) CreateFinding(ctx context.Context, f *domain.Finding) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error {
		if err := s.docExists(ctx, tx, tDiagnostics, f.DiagnosticID); err != nil {
			return err
		}
		return s.insertDoc(ctx, tx, tFindings, place{scope: f.DiagnosticID, org: f.AuthorOrg}, f, nil)
	})
}

// Finding reads a finding.
func (s *DB) Finding(ctx context.Context, id int64) (*domain.Finding, error) {
	var f domain.Finding
	if err := s.getDoc(ctx, s.R, tFindings, id, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// Findings lists a diagnostic's findings.
func (s *DB) Findings(ctx context.Context, diagnostic int64) ([]domain.Finding, error) {
	return listDocs[domain.Finding](ctx, s, s.R, tFindings, "scope_id = ?", diagnostic)
}

// UpdateFinding writes a finding, checking its version.
func (s *DB) UpdateFinding(ctx context.Context, f *domain.Finding) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error {
		return s.updateDoc(ctx, tx, tFindings, nil, f)
	})
}

// AddPosition appends a position (the history is kept).
func (s *DB) AddPosition(ctx context.Context, p *domain.Position) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error {
		var f domain.Finding
		if err := s.getDoc(ctx, tx, tFindings, p.FindingID, &f); err != nil {
			return err
		}
		p.DiagnosticID = f.DiagnosticID
		if p.At.IsZero() {
			p.At = s.docNow()
		}
		return s.insertDoc(ctx, tx, tPositions, place{scope: p.DiagnosticID, parent: p.FindingID, org: p.OrgID}, p, nil)
	})
}

// Positions lists positions: the whole history, or the latest per finding
// and organisation.
func (s *DB) Positions(ctx context.Context, f domain.PositionFilter) ([]domain.Position, error) {
	var where []string
	var args []any
	if f.Diagnostic != 0 {
		where, args = append(where, "scope_id = ?"), append(args, f.Diagnostic)
	}
	if f.Finding != 0 {
		where, args = append(where, "parent_id = ?"), append(args, f.Finding)
	}
	ps, err := listDocs[domain.Position](ctx, s, s.R, tPositions, strings.Join(where, " AND "), args...)
	if err != nil || f.History {
		return ps, err
	}
	type key struct{ f, o int64 }
	latest := map[key]int{}
	for i, p := range ps { // ordered by id: later rows are later positions
		latest[key{p.FindingID, p.OrgID}] = i
	}
	out := make([]domain.Position, 0, len(latest))
	for i, p := range ps {
		if latest[key{p.FindingID, p.OrgID}] == i {
			out = append(out, p)
		}
	}
	return out, nil
}

// CreateRestitution stores a restitution-debate.
func (s *DB) CreateRestitution(ctx context.Context, r *domain.Restitution) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error {
		if err := s.docExists(ctx, tx, tDiagnostics, r.DiagnosticID); err != nil {
			return err
		}
		return s.insertDoc(ctx, tx, tRestitutions, place{scope: r.DiagnosticID}, r, nil)
	})
}

// Restitution reads a restitution.
func (s *DB) Restitution(ctx context.Context, id int64) (*domain.Restitution, error) {
	var r domain.Restitution
	if err := s.getDoc(ctx, s.R, tRestitutions, id, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Restitutions lists a diagnostic's restitutions.
func (s *DB) Restitutions(ctx context.Context, diagnostic int64) ([]domain.Restitution, error) {
	return listDocs[domain.Restitution](ctx, s, s.R, tRestitutions, "scope_id = ?", diagnostic)
}

// UpdateRestitution writes a restitution, checking its version.
func (s *DB) UpdateRestitution(ctx context.Context, r *domain.Restitution) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error {
		return s.updateDoc(ctx, tx, tRestitutions, nil, r)
	})
}

// ReviewFinding writes a restitution and a finding in one transaction,
// checking both versions.
func (s *DB) ReviewFinding(ctx context.Context, r *domain.Restitution, f *domain.Finding) error {
	rv, fv := r.Version, f.Version
	err := s.docWrite(ctx, false, func(tx *sql.Tx) error {
		if err := s.updateDoc(ctx, tx, tRestitutions, nil, r); err != nil {
			return err
		}
		return s.updateDoc(ctx, tx, tFindings, nil, f)
	})
	if err != nil {
		r.Version, f.Version = rv, fv
	}
	return err
}

// PutVote records an organisation's vote, replacing its previous one.
func (s *DB) PutVote(ctx context.Context, v *domain.PriorityVote) error {
	return s.docWrite(ctx, false, func(tx *sql.Tx) error {
		var r domain.Restitution
		if err := s.getDoc(ctx, tx, tRestitutions, v.RestitutionID, &r); err != nil {
			return err
		}
		v.DiagnosticID = r.DiagnosticID
		if v.At.IsZero() {
			v.At = s.docNow()
		}
		if err := s.deleteWhere(ctx, tx, tVotes, "parent_id = ? AND org_id = ?", v.RestitutionID, v.OrgID); err != nil {
			return err
		}
		return s.insertDoc(ctx, tx, tVotes, place{scope: v.DiagnosticID, parent: v.RestitutionID, org: v.OrgID}, v, nil)
	})
}

// Votes lists the votes of a restitution.
func (s *DB) Votes(ctx context.Context, restitution int64) ([]domain.PriorityVote, error) {
	return listDocs[domain.PriorityVote](ctx, s, s.R, tVotes, "parent_id = ?", restitution)
}
