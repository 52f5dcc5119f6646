package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"maillage/internal/domain"
)

func scanTerritory(sc interface{ Scan(...any) error }) (domain.Territory, error) {
	var t domain.Territory
	var lat, lon, pop sql.NullFloat64
	var popYear sql.NullInt64
	var vis string
	err := sc.Scan(&t.Code, &t.Type, &t.Name, &t.Departement, &t.Region, &t.Parent, &t.SIREN, &lat, &lon,
		&t.OwnerOrg, &vis, Time{&t.CreatedAt}, Time{&t.UpdatedAt}, &t.Version, &pop, &popYear)
	if err != nil {
		return t, err
	}
	t.Visibility = domain.Visibility(vis)
	if lat.Valid {
		t.Lat = &lat.Float64
	}
	if lon.Valid {
		t.Lon = &lon.Float64
	}
	if pop.Valid {
		t.Population = &pop.Float64
		t.PopYear = int(popYear.Int64)
	}
	return t, nil
}

// isGroup reports whether a territory type stands for a set of communes.
func isGroup(t domain.TerritoryType) bool {
	switch t {
	case domain.TypeEPCI, domain.TypePerimeter, domain.TypeDepartement, domain.TypeRegion:
		return true
	}
	return false
}

// resolveCode returns the current code for code: itself when it is a
// territory, the alias target otherwise ("" when neither).
func resolveCode(ctx context.Context, q Queryer, d *Dialect, code string) (string, domain.TerritoryType, error) {
	var typ string
	err := q.QueryRowContext(ctx, d.Q(qTerritoryType), code).Scan(&typ)
	if err == nil {
		return code, domain.TerritoryType(typ), nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", "", err
	}
	var target string
	err = q.QueryRowContext(ctx, d.Q(qAliasTarget), code).Scan(&target)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	err = q.QueryRowContext(ctx, d.Q(qTerritoryType), target).Scan(&typ)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return target, domain.TerritoryType(typ), err
}

// Territory returns a territory by code or alias code, with its member
// communes when it is a group.
func (s *DB) Territory(ctx context.Context, code string) (*domain.Territory, error) {
	cur, typ, err := resolveCode(ctx, s.R, s.D, strings.TrimSpace(code))
	if err != nil {
		return nil, err
	}
	if cur == "" {
		return nil, domain.NotFound("Territoire", code)
	}
	t, err := scanTerritory(s.R.QueryRowContext(ctx, s.D.Q(qTerritory)+s.andVisible(ctx, "t"), cur))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("Territoire", code)
	}
	if err != nil {
		return nil, err
	}
	if isGroup(typ) {
		if t.Members, err = communesOf(ctx, s.R, s.D, cur, typ); err != nil {
			return nil, err
		}
	}
	return &t, nil
}

// communesSQL returns the query selecting the current communes of a
// territory of type typ (one parameter: its code; one column: code),
// index-driven for every type, unordered so that it nests in IN and UNION.
func communesSQL(typ domain.TerritoryType) string {
	switch typ {
	case domain.TypeCommune, domain.TypeArrondissement:
		return `SELECT code FROM territories WHERE code = ?`
	case domain.TypeEPCI, domain.TypePerimeter:
		return qMembersOf
	case domain.TypeDepartement:
		return qCommunesOfDep
	case domain.TypeRegion:
		return qCommunesOfReg
	}
	return ""
}

func communesOf(ctx context.Context, q Queryer, d *Dialect, code string, typ domain.TerritoryType) ([]string, error) {
	query := communesSQL(typ)
	if query == "" {
		return nil, nil
	}
	return queryStrings(ctx, q, d.Q(query+" ORDER BY 1"), code)
}

func queryStrings(ctx context.Context, q Queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// CommunesOf returns the current communes a territory stands for.
func (s *DB) CommunesOf(ctx context.Context, code string) ([]string, error) {
	cur, typ, err := resolveCode(ctx, s.R, s.D, strings.TrimSpace(code))
	if err != nil {
		return nil, err
	}
	if cur == "" {
		return nil, domain.NotFound("Territoire", code)
	}
	return communesOf(ctx, s.R, s.D, cur, typ)
}

// likePattern escapes LIKE wildcards in s and wraps it in %...%.
func likePattern(s string) string {
	return "%" + likeEscaper.Replace(s) + "%"
}

// likeEscaper makes LIKE wildcards typed by a user literal (ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Territories lists territories ordered by code.
func (s *DB) Territories(ctx context.Context, f domain.TerritoryFilter) (domain.Page[domain.Territory], error) {
	page := domain.Page[domain.Territory]{Items: []domain.Territory{}, Offset: f.Offset, Limit: f.Limit}
	var where []string
	var args []any
	if f.Type != "" {
		where = append(where, "t.type = ?")
		args = append(args, string(f.Type))
	}
	if f.Parent != "" {
		where = append(where, "t.parent = ?")
		args = append(args, f.Parent)
	}
	if f.Within != "" {
		cur, typ, err := resolveCode(ctx, s.R, s.D, f.Within)
		if err != nil {
			return page, err
		}
		if cur == "" {
			return page, domain.NotFound("Territoire", f.Within)
		}
		switch typ {
		case domain.TypeEPCI, domain.TypePerimeter:
			where = append(where, "t.code IN (SELECT commune_code FROM territory_members WHERE group_code = ?)")
		case domain.TypeDepartement:
			where = append(where, "t.departement = ? AND t.type <> 'departement'")
		case domain.TypeRegion:
			where = append(where, "t.region = ? AND t.type <> 'region'")
		default:
			where = append(where, "t.parent = ? AND t.type = 'arrondissement_municipal'")
		}
		args = append(args, cur)
	}
	order, orderArgs := " ORDER BY t.code", []any(nil)
	if f.Text != "" {
		cond, cargs, o, oargs := territorySearch(f.Text)
		where = append(where, cond)
		args = append(args, cargs...)
		order, orderArgs = o, oargs
	}
	if v := s.visibleCond(ctx, "t"); v != "" {
		where = append(where, v)
	}
	cond := "1 = 1"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	if err := s.R.QueryRowContext(ctx, s.D.Q("SELECT count(*) FROM territories t WHERE "+cond), args...).Scan(&page.Total); err != nil {
		return page, err
	}
	q := "SELECT " + territoryCols + " FROM territories t WHERE " + cond + order + limitClause(f.Offset, f.Limit)
	rows, err := s.R.QueryContext(ctx, s.D.Q(q), append(args, orderArgs...)...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTerritory(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, t)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	rows.Close()
	if f.WithMembers {
		for i := range page.Items {
			t := &page.Items[i]
			if isGroup(t.Type) {
				if t.Members, err = communesOf(ctx, s.R, s.D, t.Code, t.Type); err != nil {
					return page, err
				}
			}
		}
	}
	return page, nil
}

// limitClause renders LIMIT/OFFSET from validated integers (never user text).
func limitClause(offset, limit int) string {
	if offset < 0 {
		offset = 0
	}
	switch {
	case limit > 0:
		return fmt.Sprintf(" LIMIT %d OFFSET %d", limit, offset)
	case offset > 0:
		// LIMIT -1 is SQLite's "no limit"; PostgreSQL takes LIMIT ALL.
		return fmt.Sprintf(" LIMIT 9223372036854775807 OFFSET %d", offset)
	}
	return ""
}

// TerritoryGeometry returns a territory's GeoJSON geometry.
func (s *DB) TerritoryGeometry(ctx context.Context, code string) ([]byte, error) {
	cur, _, err := resolveCode(ctx, s.R, s.D, code)
	if err != nil {
		return nil, err
	}
	var g string
	err = s.R.QueryRowContext(ctx, s.D.Q(qGeometry), cur).Scan(&g)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("Géométrie du territoire", code)
	}
	return []byte(g), err
}

// Aliases returns every alias ordered by code.
func (s *DB) Aliases(ctx context.Context) ([]domain.Alias, error) {
	rows, err := s.R.QueryContext(ctx, s.D.Q(qAliases))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.Alias{}
	for rows.Next() {
		var a domain.Alias
		if err := rows.Scan(&a.Code, &a.Target, &a.Name, &a.Reason); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SavePerimeter creates or replaces a custom perimeter and its communes
// (alias codes resolve to their current commune).
func (s *DB) SavePerimeter(ctx context.Context, t *domain.Territory) error {
	if t.Type == "" {
		t.Type = domain.TypePerimeter
	}
	var v domain.Validation
	if t.Type != domain.TypePerimeter {
		v.Add("type", "seul un périmètre (perimetre) peut être enregistré ainsi")
	}
	if err := t.Validate(); err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			for _, fe := range de.Fields {
				v.Add(fe.Field, "%s", fe.Reason)
			}
		}
	}
	if len(t.Members) == 0 {
		v.Add("communes", "au moins une commune")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.Write(ctx, func(tx *sql.Tx) error {
		var typ string
		var version int64
		err := tx.QueryRowContext(ctx, s.D.Q(`SELECT type, version FROM territories WHERE code = ?`), t.Code).Scan(&typ, &version)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			version = 0
		case err != nil:
			return err
		case typ != string(domain.TypePerimeter):
			return domain.Errorf(domain.ECONFLICT, "Le code %s est déjà celui d'un territoire de type %s", t.Code, typ)
		case t.Version != 0 && t.Version != version:
			return domain.Conflict("Le périmètre", t.Code)
		}
		members := make([]string, 0, len(t.Members))
		var mv domain.Validation
		for _, m := range t.Members {
			cur, mt, err := resolveCode(ctx, tx, s.D, m)
			if err != nil {
				return err
			}
			if cur == "" || (mt != domain.TypeCommune && mt != domain.TypeArrondissement) {
				mv.Add("communes", "commune inconnue %q", m)
				continue
			}
			members = append(members, cur)
		}
		if err := mv.Err(); err != nil {
			return err
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, s.D.Q(qUpsertPerimeter), t.Code, string(t.Type), t.Name, t.Departement, t.Region, t.Parent, t.SIREN,
			t.Lat, t.Lon, t.OwnerOrg, string(t.Visibility), s.D.TimeArg(now), s.D.TimeArg(now), new(searchText).territory(t)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.D.Q(qDeleteMembers), t.Code); err != nil {
			return err
		}
		for _, m := range members {
			if _, err := tx.ExecContext(ctx, s.D.Q(qInsertMember), t.Code, m); err != nil {
				return err
			}
		}
		t.Members = members
		t.Version = version + 1
		if version == 0 {
			t.CreatedAt = now.UTC()
		}
		t.UpdatedAt = now.UTC()
		return nil
	})
}

// DeletePerimeter deletes a custom perimeter; ECONFLICT while actions name it.
func (s *DB) DeletePerimeter(ctx context.Context, code string) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		var typ string
		err := tx.QueryRowContext(ctx, s.D.Q(qTerritoryType), code).Scan(&typ)
		if errors.Is(err, sql.ErrNoRows) {
			return domain.NotFound("Périmètre", code)
		}
		if err != nil {
			return err
		}
		if typ != string(domain.TypePerimeter) {
			return domain.Errorf(domain.EINVALID, "%s n'est pas un périmètre personnalisé", code)
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.D.Q(qCountActionsOnTerritory), code).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return domain.Errorf(domain.ECONFLICT, "Le périmètre %s est la zone de %d action(s) : modifiez-les avant de le supprimer", code, n)
		}
		_, err = tx.ExecContext(ctx, s.D.Q(qDeleteTerritory), code)
		return err
	})
}
