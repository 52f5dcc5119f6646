package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"iter"
	"slices"
	"strconv"
	"strings"

	"maillage/internal/domain"
)

func scanActor(sc interface{ Scan(...any) error }) (domain.Actor, error) {
	var a domain.Actor
	var ext sql.NullString
	var vis string
	err := sc.Scan(&a.ID, &a.Source, &ext, &a.Name, &a.Type, &a.SIREN, &a.SIRET, &a.Commune, &a.Territory,
		&a.OwnerOrg, &vis, Time{&a.CreatedAt}, Time{&a.UpdatedAt}, &a.Version)
	a.ExternalID = ext.String
	a.Visibility = domain.Visibility(vis)
	return a, err
}

// Actor returns an actor by id.
func (s *DB) Actor(ctx context.Context, id int64) (*domain.Actor, error) {
	a, err := scanActor(s.R.QueryRowContext(ctx, s.D.Q(qActor)+s.andVisible(ctx, "a"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("Acteur", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// ActorByExternalID returns an actor by its source and external id.
func (s *DB) ActorByExternalID(ctx context.Context, source, externalID string) (*domain.Actor, error) {
	a, err := scanActor(s.R.QueryRowContext(ctx, s.D.Q(qActorByExtID)+s.andVisible(ctx, "a"), source, externalID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("Acteur", source+":"+externalID)
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

var actorSorts = map[string]string{
	"id": "a.id", "name": "a.name", "type": "a.type, a.name", "updated_at": "a.updated_at",
}

// sortClause turns a whitelisted sort key ("name", "-name") into ORDER BY.
func sortClause(sort string, allowed map[string]string) (string, error) {
	if sort == "" {
		return " ORDER BY a.id", nil
	}
	desc := strings.HasPrefix(sort, "-")
	col, ok := allowed[strings.TrimPrefix(sort, "-")]
	if !ok {
		var v domain.Validation
		keys := make([]string, 0, len(allowed))
		for k := range allowed {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		v.Add("sort", "tri inconnu %q (attendu : %s, précédé de - pour un ordre décroissant)", sort, strings.Join(keys, ", "))
		return "", v.Err()
	}
	// Explicit NULL placement: SQLite and PostgreSQL default to opposite ends.
	dir := " ASC NULLS LAST"
	if desc {
		dir = " DESC NULLS FIRST"
	}
	parts := strings.Split(col, ", ")
	for i := range parts {
		parts[i] += dir
	}
	return " ORDER BY " + strings.Join(parts, ", ") + ", a.id " + strings.Fields(dir)[0], nil
}

// Actors lists actors.
func (s *DB) Actors(ctx context.Context, f domain.ActorFilter) (domain.Page[domain.Actor], error) {
	page := domain.Page[domain.Actor]{Items: []domain.Actor{}, Offset: f.Offset, Limit: f.Limit}
	order, err := sortClause(f.Sort, actorSorts)
	if err != nil {
		return page, err
	}
	var where []string
	var args []any
	if f.Type != "" {
		where = append(where, "a.type = ?")
		args = append(args, f.Type)
	}
	if f.Territory != "" {
		cur, typ, err := resolveCode(ctx, s.R, s.D, f.Territory)
		if err != nil {
			return page, err
		}
		if cur == "" {
			return page, domain.NotFound("Territoire", f.Territory)
		}
		where = append(where, "a.commune IN ("+communesSQL(typ)+")")
		args = append(args, cur)
	}
	if f.Text != "" {
		cond, cargs := searchCond("a.search", f.Text, true)
		where = append(where, cond)
		args = append(args, cargs...)
	}
	if v := s.visibleCond(ctx, "a"); v != "" {
		where = append(where, v)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	if err := s.R.QueryRowContext(ctx, s.D.Q("SELECT count(*) FROM actors a"+cond), args...).Scan(&page.Total); err != nil {
		return page, err
	}
	rows, err := s.R.QueryContext(ctx, s.D.Q("SELECT "+actorCols+" FROM actors a"+cond+order+limitClause(f.Offset, f.Limit)), args...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanActor(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, a)
	}
	return page, rows.Err()
}

// CreateActor validates and inserts an actor.
func (s *DB) CreateActor(ctx context.Context, a *domain.Actor) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		if err := NewChecker(tx, s.D).ActorRecord(ctx, a); err != nil {
			return err
		}
		now := s.Now().UTC()
		err := tx.QueryRowContext(ctx, s.D.Q(qCreateActor), a.Source, NullString(a.ExternalID), a.Name, a.Type, a.SIREN, a.SIRET,
			a.Commune, a.Territory, a.OwnerOrg, string(a.Visibility), s.D.TimeArg(now), s.D.TimeArg(now), new(searchText).actor(a)).Scan(&a.ID)
		if IsUnique(err) {
			return domain.Errorf(domain.ECONFLICT, "Un acteur de la source %s porte déjà l'identifiant %s", a.Source, a.ExternalID)
		}
		if err != nil {
			return err
		}
		// The external id given by naturalKey is searched too.
		if err := s.naturalKey(ctx, tx, "actors", a.Source, &a.ExternalID, a.ID, func() string { return new(searchText).actor(a) }); err != nil {
			return err
		}
		a.CreatedAt, a.UpdatedAt, a.Version = now, now, 1
		return nil
	})
}

// UpdateActor updates an actor carrying the version it read.
func (s *DB) UpdateActor(ctx context.Context, a *domain.Actor) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		if err := NewChecker(tx, s.D).ActorRecord(ctx, a); err != nil {
			return err
		}
		now := s.Now().UTC()
		if a.Source == domain.SourceMaillage && a.ExternalID == "" {
			a.ExternalID = strconv.FormatInt(a.ID, 10) // keep the natural key
		}
		res, err := tx.ExecContext(ctx, s.D.Q(qUpdateActor), a.Source, NullString(a.ExternalID), a.Name, a.Type, a.SIREN, a.SIRET,
			a.Commune, a.Territory, a.OwnerOrg, string(a.Visibility), s.D.TimeArg(now), new(searchText).actor(a), a.ID, a.Version)
		if IsUnique(err) {
			return domain.Errorf(domain.ECONFLICT, "Un acteur de la source %s porte déjà l'identifiant %s", a.Source, a.ExternalID)
		}
		if err != nil {
			return err
		}
		if err := versionCheck(ctx, tx, s.D, res, qActorVersion, "Acteur", "L'acteur", a.ID); err != nil {
			return err
		}
		a.UpdatedAt = now
		a.Version++
		return nil
	})
}

// versionCheck turns "0 rows updated" into NotFound or Conflict.
func versionCheck(ctx context.Context, tx Queryer, d *Dialect, res sql.Result, versionQuery, kind, the string, id int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	var v int64
	err = tx.QueryRowContext(ctx, d.Q(versionQuery), id).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.NotFound(kind, strconv.FormatInt(id, 10))
	}
	if err != nil {
		return err
	}
	return domain.Conflict(the, strconv.FormatInt(id, 10))
}

// DeleteActor deletes an actor; ECONFLICT while it operates, funds or has a
// role in actions.
func (s *DB) DeleteActor(ctx context.Context, id int64) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		var ops, funds, roles int
		if err := tx.QueryRowContext(ctx, s.D.Q(qActorUsage), id, id, id).Scan(&ops, &funds, &roles); err != nil {
			return err
		}
		if ops+funds+roles > 0 {
			return domain.Errorf(domain.ECONFLICT,
				"Impossible de supprimer l'acteur %d : il porte %d action(s), finance %d action(s) et intervient dans %d autre(s) ; modifiez-les d'abord",
				id, ops, funds, roles)
		}
		res, err := tx.ExecContext(ctx, s.D.Q(qDeleteActor), id)
		if IsForeignKey(err) {
			return domain.Errorf(domain.ECONFLICT, "Impossible de supprimer l'acteur %d : il est encore utilisé", id)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("Acteur", strconv.FormatInt(id, 10))
		}
		return nil
	})
}

// AllActors streams every actor ordered by id.
func (s *DB) AllActors(ctx context.Context) iter.Seq2[domain.Actor, error] {
	return streamRows(ctx, s.R, s.D.Q(s.visibleQuery(ctx, qAllActors, "a")), scanActor)
}

// streamRows yields scanned rows of a query.
func streamRows[T any](ctx context.Context, q Queryer, query string, scan func(interface{ Scan(...any) error }) (T, error), args ...any) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			yield(zero, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			x, err := scan(rows)
			if err != nil {
				yield(x, err)
				return
			}
			if !yield(x, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(zero, err)
		}
	}
}
