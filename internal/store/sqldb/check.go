package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"math"

	"maillage/internal/domain"
	"maillage/internal/seqcache"
)

// Checker validates references (territory codes, indicator codes, actors)
// inside a transaction, caching what it has looked up. Single writes look
// codes up one by one; bulk loads call LoadAll once so that checking 10
// million values is a map lookup each.
type Checker struct {
	q Queryer
	d *Dialect

	terr    map[string]terrEntry // code (or alias) → current code and type
	ind     map[string]bool
	actors  map[int64]bool
	ref     *domain.Referentials
	loaded  bool
	seenInd map[string]bool // validated indicator codes (bulk fast path)
	lastInd string          // the last of them: values come grouped by indicator
	// valueTerr resolves the territories of values in file order.
	valueTerr seqcache.Cache[terrEntry]
}

type terrEntry struct {
	code string
	typ  domain.TerritoryType
}

// NewChecker returns a checker reading through q.
func NewChecker(q Queryer, d *Dialect) *Checker {
	return &Checker{q: q, d: d, terr: map[string]terrEntry{}, ind: map[string]bool{}, actors: map[int64]bool{}, seenInd: map[string]bool{}}
}

// LoadAll loads every territory, alias and indicator code and actor id.
func (c *Checker) LoadAll(ctx context.Context) error {
	rows, err := c.q.QueryContext(ctx, `SELECT code, type FROM territories`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var code, typ string
		if err := rows.Scan(&code, &typ); err != nil {
			rows.Close()
			return err
		}
		c.terr[code] = terrEntry{code, domain.TerritoryType(typ)}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = c.q.QueryContext(ctx, `SELECT a.code, a.target, t.type FROM territory_aliases a JOIN territories t ON t.code = a.target`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var code, target, typ string
		if err := rows.Scan(&code, &target, &typ); err != nil {
			rows.Close()
			return err
		}
		if _, ok := c.terr[code]; !ok {
			c.terr[code] = terrEntry{target, domain.TerritoryType(typ)}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = c.q.QueryContext(ctx, `SELECT id FROM actors`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		c.actors[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	codes, err := queryStrings(ctx, c.q, `SELECT code FROM indicators`)
	if err != nil {
		return err
	}
	for _, code := range codes {
		c.ind[code] = true
	}
	c.loaded = true
	return nil
}

// AddTerritory records a territory written in the current transaction.
func (c *Checker) AddTerritory(code string, typ domain.TerritoryType) {
	c.terr[code] = terrEntry{code, typ}
}

// AddAlias records an alias written in the current transaction.
func (c *Checker) AddAlias(code, target string) {
	if t, ok := c.terr[target]; ok {
		if _, exists := c.terr[code]; !exists || c.terr[code].code != code {
			c.terr[code] = t
		}
	}
}

// AddIndicator records an indicator written in the current transaction.
func (c *Checker) AddIndicator(code string) { c.ind[code] = true }

// Territory resolves code (or an alias) to a current territory; ok is false
// when it is unknown.
func (c *Checker) Territory(ctx context.Context, code string) (cur string, typ domain.TerritoryType, ok bool, err error) {
	if e, hit := c.terr[code]; hit {
		return e.code, e.typ, e.code != "", nil
	}
	if c.loaded {
		return "", "", false, nil
	}
	cur, typ, err = resolveCode(ctx, c.q, c.d, code)
	if err != nil {
		return "", "", false, err
	}
	c.terr[code] = terrEntry{cur, typ}
	return cur, typ, cur != "", nil
}

// Indicator reports whether an indicator code exists.
func (c *Checker) Indicator(ctx context.Context, code string) (bool, error) {
	if ok, hit := c.ind[code]; hit {
		return ok, nil
	}
	if c.loaded {
		return false, nil
	}
	var n int
	if err := c.q.QueryRowContext(ctx, c.d.Q(`SELECT count(*) FROM indicators WHERE code = ?`), code).Scan(&n); err != nil {
		return false, err
	}
	c.ind[code] = n > 0
	return n > 0, nil
}

// Actor reports whether an actor exists.
func (c *Checker) Actor(ctx context.Context, id int64) (bool, error) {
	if ok, hit := c.actors[id]; hit || c.loaded {
		return ok, nil
	}
	var n int
	if err := c.q.QueryRowContext(ctx, c.d.Q(qActorExists), id).Scan(&n); err != nil {
		return false, err
	}
	c.actors[id] = n > 0
	return n > 0, nil
}

// AddActor records an actor written in the current transaction.
func (c *Checker) AddActor(id int64) { c.actors[id] = true }

// Refs returns the referentials, read once.
func (c *Checker) Refs(ctx context.Context) (*domain.Referentials, error) {
	if c.ref == nil {
		r, err := LoadReferentials(ctx, c.q, c.d)
		if err != nil {
			return nil, err
		}
		c.ref = r
	}
	return c.ref, nil
}

// IndicatorValue validates v and resolves its territory code in place.
func (c *Checker) IndicatorValue(ctx context.Context, v *domain.IndicatorValue) error {
	var val domain.Validation
	if v.Indicator != c.lastInd && !c.seenInd[v.Indicator] {
		if err := v.Validate(); err != nil {
			return err
		}
		ok, err := c.Indicator(ctx, v.Indicator)
		if err != nil {
			return err
		}
		if !ok {
			val.Add("indicator", "indicateur inconnu %q", v.Indicator)
			return val.Err()
		}
		c.seenInd[v.Indicator] = true
	}
	c.lastInd = v.Indicator
	if v.Year < 1800 || v.Year > 2200 {
		val.Add("year", "année invalide %d", v.Year)
	}
	if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
		val.Add("value", "valeur non numérique")
	}
	e, hit := c.valueTerr.Get(v.Territory)
	if !hit {
		cur, typ, ok, err := c.Territory(ctx, v.Territory)
		if err != nil {
			return err
		}
		e = terrEntry{cur, typ}
		if !ok {
			e = terrEntry{}
		}
		c.valueTerr.Add(v.Territory, e)
	}
	if e.code == "" {
		val.Add("territory", "territoire inconnu %q", v.Territory)
	} else {
		v.Territory = e.code
	}
	return val.Err()
}

// Action validates an action against the referentials and the data:
// operator and role actors exist, zone codes are territories, places are
// communes. Alias codes in zone and places resolve to current communes.
func (c *Checker) Action(ctx context.Context, a *domain.Action) error {
	ref, err := c.Refs(ctx)
	if err != nil {
		return err
	}
	var v domain.Validation
	if err := a.Validate(ref); err != nil {
		var de *domain.Error
		if !errors.As(err, &de) {
			return err
		}
		for _, f := range de.Fields {
			v.Add(f.Field, "%s", f.Reason)
		}
	}
	if a.OperatorID != 0 {
		ok, err := c.Actor(ctx, a.OperatorID)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("operator_id", "acteur inconnu %d", a.OperatorID)
		}
	}
	for _, r := range a.Roles {
		ok, err := c.Actor(ctx, r.ActorID)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("roles", "acteur inconnu %d", r.ActorID)
		}
	}
	for i, z := range a.Zone {
		cur, _, ok, err := c.Territory(ctx, z)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("zone", "territoire inconnu %q", z)
			continue
		}
		a.Zone[i] = cur
	}
	for i, p := range a.Places {
		if !domain.IsCommuneCode(p) {
			continue // reported by Validate
		}
		cur, typ, ok, err := c.Territory(ctx, p)
		if err != nil {
			return err
		}
		if !ok || (typ != domain.TypeCommune && typ != domain.TypeArrondissement) {
			v.Add("commune", "commune inconnue %q", p)
			continue
		}
		a.Places[i] = cur
	}
	return v.Err()
}

// Actor validates an actor against the referentials and the territories.
func (c *Checker) ActorRecord(ctx context.Context, a *domain.Actor) error {
	ref, err := c.Refs(ctx)
	if err != nil {
		return err
	}
	var v domain.Validation
	if err := a.Validate(ref); err != nil {
		var de *domain.Error
		if !errors.As(err, &de) {
			return err
		}
		for _, f := range de.Fields {
			v.Add(f.Field, "%s", f.Reason)
		}
	}
	if a.Commune != "" && domain.IsCommuneCode(a.Commune) {
		cur, typ, ok, err := c.Territory(ctx, a.Commune)
		if err != nil {
			return err
		}
		if !ok || (typ != domain.TypeCommune && typ != domain.TypeArrondissement) {
			v.Add("commune", "commune inconnue %q", a.Commune)
		} else {
			a.Commune = cur
		}
	}
	if a.Territory != "" {
		cur, _, ok, err := c.Territory(ctx, a.Territory)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("territory", "territoire inconnu %q", a.Territory)
		} else {
			a.Territory = cur
		}
	}
	return v.Err()
}

// Funding validates a funding against the data.
func (c *Checker) Funding(ctx context.Context, f *domain.Funding) error {
	var v domain.Validation
	if err := f.Validate(); err != nil {
		var de *domain.Error
		if !errors.As(err, &de) {
			return err
		}
		for _, fe := range de.Fields {
			v.Add(fe.Field, "%s", fe.Reason)
		}
	}
	if f.ActionID != 0 {
		var n int
		if err := c.q.QueryRowContext(ctx, c.d.Q(qActionExists), f.ActionID).Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if n == 0 {
			v.Add("action_id", "action inconnue %d", f.ActionID)
		}
	}
	if f.FunderID != 0 {
		ok, err := c.Actor(ctx, f.FunderID)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("funder_id", "acteur inconnu %d", f.FunderID)
		}
	}
	return v.Err()
}
