package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"iter"
	"strconv"
	"strings"
	"time"

	"maillage/internal/domain"
)

func scanAction(sc interface{ Scan(...any) error }) (domain.Action, error) {
	vals, err := scanValues(sc, actionColCount)
	if err != nil {
		return domain.Action{}, err
	}
	return decodeAction(vals)
}

// actionColCount is the number of actionCols, in decodeAction's order.
const actionColCount = 20

func decodeAction(vals []any) (domain.Action, error) {
	d := decoder{vals: vals}
	a := domain.Action{ID: d.int(0), Source: d.str(1), ExternalID: d.str(2), Title: d.str(3), Description: d.str(4),
		OperatorID: d.int(5), Themes: SplitList(d.str(6)), Publics: SplitList(d.str(7)), Labels: SplitList(d.str(8)),
		Zone: SplitList(d.str(9)), Places: SplitList(d.str(10)), Capacity: d.float(11), StartDate: d.date(12),
		EndDate: d.date(13), Status: d.str(14)}
	a.Meta = domain.Meta{OwnerOrg: d.int(15), Visibility: domain.Visibility(d.str(16)), CreatedAt: d.time(17),
		UpdatedAt: d.time(18), Version: d.int(19)}
	return a, d.err
}

// Action returns an action with its fundings and roles.
func (s *DB) Action(ctx context.Context, id int64) (*domain.Action, error) {
	a, err := scanAction(s.R.QueryRowContext(ctx, s.D.Q(qAction)+s.andVisible(ctx, "a"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("Action", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.R.QueryContext(ctx, s.D.Q(qActionRoles), id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var r domain.ActionRole
		if err := rows.Scan(&r.ActorID, &r.Role); err != nil {
			rows.Close()
			return nil, err
		}
		a.Roles = append(a.Roles, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for f, err := range streamRows(ctx, s.R, s.D.Q(s.visibleQuery(ctx, qActionFundings, "f")), scanFunding, id) {
		if err != nil {
			return nil, err
		}
		a.Fundings = append(a.Fundings, f)
	}
	return &a, nil
}

var actionSorts = map[string]string{
	"id": "a.id", "title": "a.title", "capacity": "a.capacity", "start_date": "a.start_date", "updated_at": "a.updated_at",
}

// territoryCodesSQL selects the codes an action's zone or places may name
// to touch the communes of a territory of type typ: those communes, every
// group containing one of them (EPCI, perimeter, département, région) and
// the commune/arrondissements around an arrondissement municipal. Each part
// is an index lookup. It takes six parameters, all the territory's code.
func territoryCodesSQL(typ domain.TerritoryType) string {
	c := communesSQL(typ)
	return `SELECT x.code FROM (` + c + `) x
		UNION SELECT m.group_code FROM territory_members m WHERE m.commune_code IN (` + c + `)
		UNION SELECT t.departement FROM territories t WHERE t.code IN (` + c + `)
		UNION SELECT t.region FROM territories t WHERE t.code IN (` + c + `)
		UNION SELECT t.parent FROM territories t WHERE t.code IN (` + c + `) AND t.type = 'arrondissement_municipal'
		UNION SELECT t.code FROM territories t WHERE t.parent IN (` + c + `) AND t.type = 'arrondissement_municipal'`
}

// actionWhere builds the WHERE clause of an action filter.
func (s *DB) actionWhere(ctx context.Context, f domain.ActionFilter) (string, []any, error) {
	var where []string
	var args []any
	if f.Territory != "" {
		cur, typ, err := resolveCode(ctx, s.R, s.D, f.Territory)
		if err != nil {
			return "", nil, err
		}
		if cur == "" {
			return "", nil, domain.NotFound("Territoire", f.Territory)
		}
		// The code set is computed first (a few hundred codes for a
		// département) and passed as a list, so that both planners probe
		// action_territories by key instead of hashing the whole table.
		var targs []any
		for range 6 {
			targs = append(targs, cur)
		}
		codes, err := queryStrings(ctx, s.R, s.D.Q(territoryCodesSQL(typ)), targs...)
		if err != nil {
			return "", nil, err
		}
		frag, fargs := s.D.InStrings("at.territory_code", codes)
		where = append(where, "a.id IN (SELECT at.action_id FROM action_territories at WHERE "+frag+")")
		args = append(args, fargs...)
	}
	for _, l := range []struct{ col, val string }{{"a.themes", f.Theme}, {"a.publics", f.Public}, {"a.labels", f.Label}} {
		if l.val != "" {
			where = append(where, s.D.Contains(l.col))
			args = append(args, ListItem(l.val))
		}
	}
	if f.Year != 0 {
		where = append(where, "(a.start_date IS NULL OR a.start_date <= ?) AND (a.end_date IS NULL OR a.end_date >= ?)")
		end := domain.Date{Time: time.Date(f.Year, 12, 31, 0, 0, 0, 0, time.UTC)}
		start := domain.Date{Time: time.Date(f.Year, 1, 1, 0, 0, 0, 0, time.UTC)}
		args = append(args, s.D.DateArg(&end), s.D.DateArg(&start))
	}
	if f.Operator != 0 {
		where = append(where, "a.operator_id = ?")
		args = append(args, f.Operator)
	}
	if f.Funder != 0 {
		where = append(where, "a.id IN (SELECT fu.action_id FROM fundings fu WHERE fu.funder_id = ?)")
		args = append(args, f.Funder)
	}
	if f.Text != "" {
		cond, cargs := searchCond("a.search", f.Text, false)
		where = append(where, cond)
		args = append(args, cargs...)
	}
	if v := s.visibleCond(ctx, "a"); v != "" {
		where = append(where, v)
	}
	if len(where) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(where, " AND "), args, nil
}

// Actions lists actions (without fundings) matching f, sorted by a
// whitelisted column, paginated (Limit 0: all).
func (s *DB) Actions(ctx context.Context, f domain.ActionFilter) (domain.Page[domain.Action], error) {
	page := domain.Page[domain.Action]{Items: []domain.Action{}, Offset: f.Offset, Limit: f.Limit}
	order, err := sortClause(f.Sort, actionSorts)
	if err != nil {
		return page, err
	}
	cond, args, err := s.actionWhere(ctx, f)
	if err != nil {
		return page, err
	}
	if err := s.R.QueryRowContext(ctx, s.D.Q("SELECT count(*) FROM actions a"+cond), args...).Scan(&page.Total); err != nil {
		return page, err
	}
	rows, err := s.R.QueryContext(ctx, s.D.Q("SELECT "+actionCols+" FROM actions a"+cond+order+limitClause(f.Offset, f.Limit)), args...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, a)
	}
	return page, rows.Err()
}

// actionTerritoryCodes returns the distinct codes of an action's zone and
// places, the rows of action_territories.
func actionTerritoryCodes(a *domain.Action) []string {
	out := make([]string, 0, len(a.Zone)+len(a.Places))
	seen := make(map[string]bool, len(a.Zone)+len(a.Places))
	for _, l := range [][]string{a.Zone, a.Places} {
		for _, c := range l {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

func (s *DB) writeActionLinks(ctx context.Context, tx *sql.Tx, a *domain.Action, replace bool) error {
	if replace {
		if _, err := tx.ExecContext(ctx, s.D.Q(qDeleteActionTerritories), a.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.D.Q(qDeleteActionRoles), a.ID); err != nil {
			return err
		}
	}
	for _, c := range actionTerritoryCodes(a) {
		if _, err := tx.ExecContext(ctx, s.D.Q(qInsertActionTerritory), c, a.ID); err != nil {
			return err
		}
	}
	for _, r := range a.Roles {
		if _, err := tx.ExecContext(ctx, s.D.Q(qInsertActionRole), a.ID, r.ActorID, r.Role); err != nil {
			return err
		}
	}
	return nil
}

// CreateAction validates and inserts an action (its Fundings are ignored:
// they are created through CreateFunding).
func (s *DB) CreateAction(ctx context.Context, a *domain.Action) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		if err := NewChecker(tx, s.D).Action(ctx, a); err != nil {
			return err
		}
		now := s.Now().UTC()
		err := tx.QueryRowContext(ctx, s.D.Q(qCreateAction), a.Source, NullString(a.ExternalID), a.Title, a.Description, a.OperatorID,
			JoinList(a.Themes), JoinList(a.Publics), JoinList(a.Labels), JoinList(a.Zone), JoinList(a.Places), a.Capacity,
			s.D.DateArg(a.StartDate), s.D.DateArg(a.EndDate), a.Status, a.OwnerOrg, string(a.Visibility), s.D.TimeArg(now), s.D.TimeArg(now),
			new(searchText).action(a)).Scan(&a.ID)
		if IsUnique(err) {
			return domain.Errorf(domain.ECONFLICT, "Une action de la source %s porte déjà l'identifiant %s", a.Source, a.ExternalID)
		}
		if err != nil {
			return err
		}
		if err := s.naturalKey(ctx, tx, "actions", a.Source, &a.ExternalID, a.ID, nil); err != nil {
			return err
		}
		a.CreatedAt, a.UpdatedAt, a.Version = now, now, 1
		return s.writeActionLinks(ctx, tx, a, false)
	})
}

// UpdateAction updates an action carrying the version it read.
func (s *DB) UpdateAction(ctx context.Context, a *domain.Action) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		if err := NewChecker(tx, s.D).Action(ctx, a); err != nil {
			return err
		}
		now := s.Now().UTC()
		if a.Source == domain.SourceMaillage && a.ExternalID == "" {
			a.ExternalID = strconv.FormatInt(a.ID, 10) // keep the natural key
		}
		res, err := tx.ExecContext(ctx, s.D.Q(qUpdateAction), a.Source, NullString(a.ExternalID), a.Title, a.Description, a.OperatorID,
			JoinList(a.Themes), JoinList(a.Publics), JoinList(a.Labels), JoinList(a.Zone), JoinList(a.Places), a.Capacity,
			s.D.DateArg(a.StartDate), s.D.DateArg(a.EndDate), a.Status, a.OwnerOrg, string(a.Visibility), s.D.TimeArg(now),
			new(searchText).action(a), a.ID, a.Version)
		if IsUnique(err) {
			return domain.Errorf(domain.ECONFLICT, "Une action de la source %s porte déjà l'identifiant %s", a.Source, a.ExternalID)
		}
		if err != nil {
			return err
		}
		if err := versionCheck(ctx, tx, s.D, res, qActionVersion, "Action", "L'action", a.ID); err != nil {
			return err
		}
		a.UpdatedAt = now
		a.Version++
		return s.writeActionLinks(ctx, tx, a, true)
	})
}

// DeleteAction deletes an action, its fundings, roles and territory links.
func (s *DB) DeleteAction(ctx context.Context, id int64) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.D.Q(qDeleteAction), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("Action", strconv.FormatInt(id, 10))
		}
		_, err = tx.ExecContext(ctx, s.D.Q(qDeleteActionTerritories), id)
		return err
	})
}

// AllActions streams every action (without fundings) ordered by id.
func (s *DB) AllActions(ctx context.Context) iter.Seq2[domain.Action, error] {
	return streamRaw(ctx, s.R, s.D.Q(s.visibleQuery(ctx, qAllActions, "a")), decodeAction)
}
