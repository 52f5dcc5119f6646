package sqldb

// Document tables: the diagnostics, governance and convention records are
// stored one row per record, with the columns that place them (scope,
// parent, organisation), domain.Meta, and the record itself as JSON (see
// migrations/*/0020_diagnostics.sql). The helpers here are shared by
// diagnostics.go and governance.go.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"maillage/internal/domain"
)

// docTable is one document table.
type docTable struct {
	name string
	kind string // French, for messages: "diagnostic", "constat"...
	// bump: writes move the data version (bodies and fieldwork feed the
	// partnership network of the analysis; the rest does not).
	bump bool
}

var (
	tDiagnostics  = docTable{"diagnostics", "Diagnostic", false}
	tPortraits    = docTable{"diagnostic_portraits", "Portrait de données", false}
	tActivities   = docTable{"diagnostic_activities", "Activité de terrain", true}
	tAttachments  = docTable{"diagnostic_attachments", "Pièce jointe", false}
	tFindings     = docTable{"diagnostic_findings", "Constat", false}
	tPositions    = docTable{"diagnostic_positions", "Position", false}
	tRestitutions = docTable{"diagnostic_restitutions", "Restitution", false}
	tVotes        = docTable{"diagnostic_votes", "Vote", false}
	tBodies       = docTable{"gov_bodies", "Instance", true}
	tMeetings     = docTable{"gov_meetings", "Réunion", true}
	tDecisions    = docTable{"gov_decisions", "Décision", false}
	tConventions  = docTable{"conventions", "Convention", false}
	tFiches       = docTable{"convention_fiches", "Fiche action", false}
	tMeasurements = docTable{"convention_measurements", "Mesure", false}
)

// place is where a record sits: its scope, parent and organisation.
type place struct{ scope, parent, org int64 }

// docWrite runs fn in a write transaction; it moves the data version when
// bump is set.
func (s *DB) docWrite(ctx context.Context, bump bool, fn func(tx *sql.Tx) error) error {
	if bump {
		return s.Write(ctx, fn)
	}
	tx, err := s.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func docMeta(rec any) *domain.Meta {
	return reflect.ValueOf(rec).Elem().FieldByName("Meta").Addr().Interface().(*domain.Meta)
}

func docSetID(rec any, id int64) { reflect.ValueOf(rec).Elem().FieldByName("ID").SetInt(id) }

func docIDOf(rec any) int64 { return reflect.ValueOf(rec).Elem().FieldByName("ID").Int() }

func (s *DB) docNow() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// insertDoc inserts rec (a pointer to a domain record with ID and Meta) and
// sets its id and meta. content is stored only for attachments.
func (s *DB) insertDoc(ctx context.Context, q Queryer, t docTable, p place, rec any, content []byte) error {
	m := docMeta(rec)
	m.Defaults(domain.VisibilityPartners)
	now := s.docNow()
	m.CreatedAt, m.UpdatedAt, m.Version = now, now, 1
	docSetID(rec, 0)
	doc, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	cols, marks := "", ""
	args := []any{p.scope, p.parent, p.org, m.OwnerOrg, string(m.Visibility), s.D.TimeArg(now), s.D.TimeArg(now), string(doc)}
	if content != nil {
		cols, marks = ", content", ", ?"
		args = append(args, content)
	}
	var id int64
	err = q.QueryRowContext(ctx, s.D.Q("INSERT INTO "+t.name+" (scope_id, parent_id, org_id, owner_org, visibility, created_at, updated_at, version, doc"+cols+
		") VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?"+marks+") RETURNING id"), args...).Scan(&id)
	if err != nil {
		if IsUnique(err) {
			return domain.Errorf(domain.ECONFLICT, "%s : un enregistrement existe déjà pour cette organisation", t.kind)
		}
		return fmt.Errorf("%s: insert: %w", t.name, err)
	}
	docSetID(rec, id)
	return nil
}

// updateDoc writes rec if its version is still the stored one, and bumps
// the version: a stale version is ECONFLICT, a missing row ENOTFOUND.
func (s *DB) updateDoc(ctx context.Context, q Queryer, t docTable, p *place, rec any) error {
	m := docMeta(rec)
	id := docIDOf(rec)
	m.Defaults(domain.VisibilityPartners)
	want := m.Version
	now := s.docNow()
	m.UpdatedAt, m.Version = now, want+1
	doc, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	query := "UPDATE " + t.name + " SET doc = ?, owner_org = ?, visibility = ?, updated_at = ?, version = version + 1"
	args := []any{string(doc), m.OwnerOrg, string(m.Visibility), s.D.TimeArg(now)}
	if p != nil {
		query += ", scope_id = ?, parent_id = ?, org_id = ?"
		args = append(args, p.scope, p.parent, p.org)
	}
	query += " WHERE id = ? AND version = ?"
	args = append(args, id, want)
	res, err := q.ExecContext(ctx, s.D.Q(query), args...)
	if err != nil {
		return fmt.Errorf("%s: update: %w", t.name, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	m.Version, m.UpdatedAt = want, time.Time{}
	var cur int64
	err = q.QueryRowContext(ctx, s.D.Q("SELECT version FROM "+t.name+" WHERE id = ?"), id).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.NotFound(t.kind, strconv.FormatInt(id, 10))
	}
	if err != nil {
		return err
	}
	e := domain.Conflict(t.kind, strconv.FormatInt(id, 10))
	e.Message += fmt.Sprintf(" (version lue %d, version enregistrée %d)", want, cur)
	return e
}

const docCols = "id, owner_org, visibility, created_at, updated_at, version, doc"

// scanDoc reads one row of docCols into rec.
func scanDoc(sc interface{ Scan(...any) error }, rec any) error {
	var id int64
	var m domain.Meta
	var vis, doc string
	if err := sc.Scan(&id, &m.OwnerOrg, &vis, Time{&m.CreatedAt}, Time{&m.UpdatedAt}, &m.Version, &doc); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(doc), rec); err != nil {
		return fmt.Errorf("document %d illisible : %w", id, err)
	}
	m.Visibility = domain.Visibility(vis)
	docSetID(rec, id)
	*docMeta(rec) = m
	return nil
}

// getDoc reads the record with id into rec.
func (s *DB) getDoc(ctx context.Context, q Queryer, t docTable, id int64, rec any) error {
	err := scanDoc(q.QueryRowContext(ctx, s.D.Q("SELECT "+docCols+" FROM "+t.name+" WHERE id = ?"), id), rec)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.NotFound(t.kind, strconv.FormatInt(id, 10))
	}
	return err
}

// listDocs reads the records matching where (ordered by id).
func listDocs[T any](ctx context.Context, s *DB, q Queryer, t docTable, where string, args ...any) ([]T, error) {
	query := "SELECT " + docCols + " FROM " + t.name
	if where != "" {
		query += " WHERE " + where
	}
	rows, err := q.QueryContext(ctx, s.D.Q(query+" ORDER BY id"), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.name, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var x T
		if err := scanDoc(rows, &x); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// deleteDoc deletes one record (ENOTFOUND when absent).
func (s *DB) deleteDoc(ctx context.Context, q Queryer, t docTable, id int64) error {
	res, err := q.ExecContext(ctx, s.D.Q("DELETE FROM "+t.name+" WHERE id = ?"), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound(t.kind, strconv.FormatInt(id, 10))
	}
	return nil
}

// deleteWhere deletes the records of t matching where.
func (s *DB) deleteWhere(ctx context.Context, q Queryer, t docTable, where string, args ...any) error {
	_, err := q.ExecContext(ctx, s.D.Q("DELETE FROM "+t.name+" WHERE "+where), args...)
	return err
}

// docExists reports ENOTFOUND when t has no record id.
func (s *DB) docExists(ctx context.Context, q Queryer, t docTable, id int64) error {
	var n int
	err := q.QueryRowContext(ctx, s.D.Q("SELECT count(*) FROM "+t.name+" WHERE id = ?"), id).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return domain.NotFound(t.kind, strconv.FormatInt(id, 10))
	}
	return nil
}

// docPage cuts a page out of a filtered list.
func docPage[T any](xs []T, offset, limit int) domain.Page[T] {
	p := domain.Page[T]{Total: len(xs), Offset: offset, Limit: limit}
	if offset < 0 {
		offset = 0
	}
	if offset > len(xs) {
		offset = len(xs)
	}
	end := len(xs)
	if limit > 0 && offset+limit < end {
		end = offset + limit
	}
	p.Items = xs[offset:end]
	return p
}
