package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"iter"
	"slices"
	"sort"
	"strings"

	"maillage/internal/domain"
)

func scanIndicator(sc interface{ Scan(...any) error }) (domain.Indicator, error) {
	var ind domain.Indicator
	var publics, vis string
	err := sc.Scan(&ind.Code, &ind.Label, &ind.Unit, &ind.Source, &ind.Definition, &publics,
		&ind.OwnerOrg, &vis, Time{&ind.CreatedAt}, Time{&ind.UpdatedAt}, &ind.Version)
	ind.Publics = SplitList(publics)
	ind.Visibility = domain.Visibility(vis)
	return ind, err
}

// Indicator returns a catalogue entry.
func (s *DB) Indicator(ctx context.Context, code string) (*domain.Indicator, error) {
	ind, err := scanIndicator(s.R.QueryRowContext(ctx, s.D.Q(qIndicator)+s.andVisible(ctx, ""), code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("Indicateur", code)
	}
	if err != nil {
		return nil, err
	}
	return &ind, nil
}

// Indicators returns the catalogue ordered by code.
func (s *DB) Indicators(ctx context.Context) ([]domain.Indicator, error) {
	rows, err := s.R.QueryContext(ctx, s.D.Q(s.visibleQuery(ctx, qIndicators, "")))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.Indicator{}
	for rows.Next() {
		ind, err := scanIndicator(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ind)
	}
	return out, rows.Err()
}

// CreateIndicator adds a catalogue entry.
func (s *DB) CreateIndicator(ctx context.Context, ind *domain.Indicator) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		ref, err := LoadReferentials(ctx, tx, s.D)
		if err != nil {
			return err
		}
		if err := ind.Validate(ref); err != nil {
			return err
		}
		now := s.Now().UTC()
		_, err = tx.ExecContext(ctx, s.D.Q(qCreateIndicator), ind.Code, ind.Label, ind.Unit, ind.Source, ind.Definition,
			JoinList(ind.Publics), ind.OwnerOrg, string(ind.Visibility), s.D.TimeArg(now), s.D.TimeArg(now))
		if IsUnique(err) {
			return domain.Errorf(domain.ECONFLICT, "L'indicateur %s existe déjà", ind.Code)
		}
		if err != nil {
			return err
		}
		ind.CreatedAt, ind.UpdatedAt, ind.Version = now, now, 1
		return nil
	})
}

// UpdateIndicator updates a catalogue entry carrying the version it read.
func (s *DB) UpdateIndicator(ctx context.Context, ind *domain.Indicator) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		ref, err := LoadReferentials(ctx, tx, s.D)
		if err != nil {
			return err
		}
		if err := ind.Validate(ref); err != nil {
			return err
		}
		now := s.Now().UTC()
		res, err := tx.ExecContext(ctx, s.D.Q(qUpdateIndicator), ind.Label, ind.Unit, ind.Source, ind.Definition, JoinList(ind.Publics),
			ind.OwnerOrg, string(ind.Visibility), s.D.TimeArg(now), ind.Code, ind.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var v int64
			err := tx.QueryRowContext(ctx, s.D.Q(`SELECT version FROM indicators WHERE code = ?`), ind.Code).Scan(&v)
			if errors.Is(err, sql.ErrNoRows) {
				return domain.NotFound("Indicateur", ind.Code)
			}
			return domain.Conflict("L'indicateur", ind.Code)
		}
		ind.UpdatedAt = now
		ind.Version++
		return nil
	})
}

// DeleteIndicator deletes a catalogue entry and its values.
func (s *DB) DeleteIndicator(ctx context.Context, code string) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.D.Q(qDeleteIndicator), code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("Indicateur", code)
		}
		if _, err := tx.ExecContext(ctx, s.D.Q(qDeleteIndicatorValues), code); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.D.Q(qDeleteIndicatorYears), code)
		return err
	})
}

// IndicatorValues lists values ordered by indicator, year, territory. A
// territory filter selects that territory and, for a group, its communes.
func (s *DB) IndicatorValues(ctx context.Context, f domain.IndicatorValueFilter) (domain.Page[domain.IndicatorValue], error) {
	page := domain.Page[domain.IndicatorValue]{Items: []domain.IndicatorValue{}, Offset: f.Offset, Limit: f.Limit}
	var where []string
	var args []any
	if f.Indicator != "" {
		where = append(where, "y.indicator = ?")
		args = append(args, f.Indicator)
	}
	if f.Year != 0 {
		where = append(where, "y.year = ?")
		args = append(args, f.Year)
	}
	if f.Territory != "" {
		cur, typ, err := resolveCode(ctx, s.R, s.D, f.Territory)
		if err != nil {
			return page, err
		}
		if cur == "" {
			return page, domain.NotFound("Territoire", f.Territory)
		}
		if isGroup(typ) {
			where = append(where, "v.territory IN (SELECT ? UNION ALL "+communesSQL(typ)+")")
			args = append(args, cur, cur)
		} else {
			where = append(where, "v.territory = ?")
			args = append(args, cur)
		}
	}
	if v := s.visibleCond(ctx, "i"); v != "" {
		where = append(where, "y.indicator IN (SELECT i.code FROM indicators i WHERE "+v+")")
	}
	// CROSS JOIN makes SQLite drive from indicator_years (a few hundred
	// rows) and probe the value key for each pair; PostgreSQL plans it as
	// an ordinary join.
	from := " FROM indicator_years y CROSS JOIN indicator_values v"
	where = append([]string{"v.indicator = y.indicator AND v.year = y.year"}, where...)
	cond := " WHERE " + strings.Join(where, " AND ")
	// Without a limit the total is the number of rows read: no count query
	// (it cost as much as the read itself on a département's values).
	if f.Limit > 0 || f.Offset > 0 {
		if err := s.R.QueryRowContext(ctx, s.D.Q("SELECT count(*)"+from+cond), args...).Scan(&page.Total); err != nil {
			return page, err
		}
	}
	q := "SELECT v.territory, v.indicator, v.year, v.value" + from + cond + " ORDER BY v.indicator, v.year, v.territory" + limitClause(f.Offset, f.Limit)
	rows, err := s.R.QueryContext(ctx, s.D.Q(q), args...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		var v domain.IndicatorValue
		if err := rows.Scan(&v.Territory, &v.Indicator, &v.Year, &v.Value); err != nil {
			return page, err
		}
		page.Items = append(page.Items, v)
	}
	if f.Limit <= 0 && f.Offset <= 0 {
		page.Total = len(page.Items)
	}
	return page, rows.Err()
}

// PutIndicatorValues validates and upserts values in one transaction.
// Alias territory codes resolve to their current commune.
func (s *DB) PutIndicatorValues(ctx context.Context, values []domain.IndicatorValue) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		chk := NewChecker(tx, s.D)
		years := map[IndicatorYear]bool{}
		for i := range values {
			v := values[i]
			if err := chk.IndicatorValue(ctx, &v); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.D.Q(qUpsertIndicatorValue), v.Indicator, v.Year, v.Territory, v.Value); err != nil {
				return err
			}
			years[IndicatorYear{v.Indicator, v.Year}] = true
		}
		return putIndicatorYears(ctx, tx, s.D, years)
	})
}

// IndicatorYear is an (indicator, year) pair of values.
type IndicatorYear struct {
	Indicator string
	Year      int
}

func putIndicatorYears(ctx context.Context, tx Queryer, d *Dialect, years map[IndicatorYear]bool) error {
	keys := make([]IndicatorYear, 0, len(years))
	for k := range years {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Indicator != keys[j].Indicator {
			return keys[i].Indicator < keys[j].Indicator
		}
		return keys[i].Year < keys[j].Year
	})
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, d.Q(qUpsertIndicatorYear), k.Indicator, k.Year); err != nil {
			return err
		}
	}
	return nil
}

// DeleteIndicatorValue deletes one value.
func (s *DB) DeleteIndicatorValue(ctx context.Context, territory, indicator string, year int) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.D.Q(qDeleteIndicatorValue), indicator, year, territory)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("Valeur d'indicateur", indicator+"/"+territory)
		}
		return nil
	})
}

// AllIndicatorValues streams every value in key order, one (indicator,
// year) pair after another: each pair is a range of the primary key, and
// its rows carry only territory and value. All the queries run in one read
// transaction, so that an import committing meanwhile is seen whole or not
// at all.
func (s *DB) AllIndicatorValues(ctx context.Context) iter.Seq2[domain.IndicatorValue, error] {
	return func(yield func(domain.IndicatorValue, error) bool) {
		stopped := false
		err := withRawRead(ctx, s.R, s.D.BeginRead, func(qc driver.QueryerContext) error {
			pairs, err := s.visibleValuePairs(ctx, qc)
			if err != nil {
				return err
			}
			q := s.D.Q(qPairValues)
			for _, p := range pairs {
				rows, err := qc.QueryContext(ctx, q, namedArgs([]any{p.Indicator, p.Year}))
				if err != nil {
					return err
				}
				err = eachRaw(ctx, rows, func(vals []any) error {
					d := decoder{vals: vals}
					v := domain.IndicatorValue{Territory: d.str(0), Indicator: p.Indicator, Year: p.Year, Value: d.float(1)}
					if d.err != nil {
						return d.err
					}
					if !yield(v, nil) {
						stopped = true
						return errStop
					}
					return nil
				})
				rows.Close()
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil && !stopped {
			yield(domain.IndicatorValue{}, err)
		}
	}
}

// ValuePairs lists the (indicator, year) pairs that have values, in key
// order, as q sees them (a transaction sees its own writes): one index seek
// per pair (a few hundred) instead of reading every value.
func ValuePairs(ctx context.Context, q Queryer, d *Dialect) ([]IndicatorYear, error) {
	return valuePairs(d, func(query string, args ...any) (any, error) {
		var v any
		err := q.QueryRowContext(ctx, query, args...).Scan(&v)
		return v, err
	})
}

// valuePairs walks the pairs with value(query, args), which returns a
// one-value query's result (nil for NULL).
func valuePairs(d *Dialect, value func(query string, args ...any) (any, error)) ([]IndicatorYear, error) {
	var pairs []IndicatorYear
	ind, err := value(d.Q(qFirstValueIndicator))
	for err == nil && ind != nil {
		var code string
		if code, err = colString(ind); err != nil {
			break
		}
		var year any
		year, err = value(d.Q(qFirstValueYear), code)
		for err == nil && year != nil {
			var y int64
			if y, err = colInt(year); err != nil {
				break
			}
			pairs = append(pairs, IndicatorYear{code, int(y)})
			year, err = value(d.Q(qNextValueYear), code, y)
		}
		if err == nil {
			ind, err = value(d.Q(qNextValueIndicator), code)
		}
	}
	return pairs, err
}

// visibleValuePairs lists on qc the pairs of the indicators ctx may see.
func (s *DB) visibleValuePairs(ctx context.Context, qc driver.QueryerContext) ([]IndicatorYear, error) {
	pairs, err := valuePairs(s.D, rawValue(ctx, qc))
	if err != nil || s.visibleCond(ctx, "i") == "" {
		return pairs, err
	}
	rows, err := qc.QueryContext(ctx, s.D.Q(s.visibleQuery(ctx, qVisibleIndicators, "i")), nil)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	visible := map[string]bool{}
	err = eachRaw(ctx, rows, func(vals []any) error {
		code, err := colString(vals[0])
		visible[code] = true
		return err
	})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(pairs, func(p IndicatorYear) bool { return !visible[p.Indicator] }), nil
}
