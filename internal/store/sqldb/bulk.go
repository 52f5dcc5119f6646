package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"maillage/internal/domain"
)

// Spec describes an upsert into a table: its columns and the ON CONFLICT
// clause ("" for a plain insert into a table known to hold none of the rows).
type Spec struct {
	Table    string
	Cols     []string
	Conflict string // e.g. "ON CONFLICT (id) DO UPDATE SET ... WHERE ..."
}

// Loader writes rows (flattened: len(args) is a multiple of len(sp.Cols))
// with the dialect's fastest means: prepared multi-row INSERTs on SQLite,
// COPY into a staging table on PostgreSQL.
type Loader interface {
	Load(ctx context.Context, sp *Spec, args []any) error
	// Close releases prepared statements and staging tables.
	Close() error
}

// IDAllocator reserves n new ids for table (the dialect knows how: a counter
// under SQLite's single writer, the identity sequence on PostgreSQL).
type IDAllocator func(ctx context.Context, table string, n int) ([]int64, error)

// Bulk is the shared domain.BulkTx: validation, natural-key mapping and
// idempotence live here; the dialect supplies the Loader and IDAllocator.
type Bulk struct {
	S     *DB
	Conn  *sql.Conn
	Tx    *sql.Tx
	Chk   *Checker
	L     Loader
	Alloc IDAllocator
	Now   time.Time

	// empty records which tables were empty when the transaction began and
	// have not been written since: their first load needs no key lookups and
	// no stale-row cleanup.
	empty map[string]bool
	// fresh holds, for actors and actions when their table was empty at the
	// start, a hash of every natural key written since: a key whose hash is
	// absent is certainly new, so chunks after the first need no lookups.
	fresh    map[string]map[uint64]struct{}
	years    map[IndicatorYear]bool
	lastYear IndicatorYear // the last recorded in years
	done     bool

	// fundedFresh is set when fundings was empty at the start: the only
	// fundings are then those written since, of the actions in funded (a
	// bitset over action ids), and replacing another action's needs neither
	// a stale-row query nor an upsert.
	fundedFresh bool
	funded      []uint64

	valueArgs []any // UpsertValues' reused argument buffer
}

// BeginBulk starts a bulk transaction on a dedicated connection (the
// PostgreSQL loader needs it for COPY).
func BeginBulk(ctx context.Context, s *DB) (*Bulk, error) {
	conn, err := s.W.Conn(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	b := &Bulk{S: s, Conn: conn, Tx: tx, Chk: NewChecker(tx, s.D), Now: s.Now().UTC(),
		empty: map[string]bool{}, years: map[IndicatorYear]bool{}}
	if err := b.Chk.LoadAll(ctx); err != nil {
		b.Rollback()
		return nil, err
	}
	for _, t := range []string{"actors", "actions", "fundings", "indicator_values", "action_roles"} {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM "+t+" LIMIT 1) x").Scan(&n); err != nil {
			b.Rollback()
			return nil, err
		}
		b.empty[t] = n == 0
	}
	b.fundedFresh = b.empty["fundings"]
	b.fresh = map[string]map[uint64]struct{}{}
	for _, t := range []string{"actors", "actions"} {
		if b.empty[t] {
			b.fresh[t] = map[uint64]struct{}{}
		}
	}
	return b, nil
}

// Empty reports whether table was empty at the start and is still untouched.
func (b *Bulk) Empty(table string) bool { return b.empty[table] }

// Touch records that table has been written.
func (b *Bulk) Touch(table string) { b.empty[table] = false }

// Commit records the indicator years seen, bumps the data version and commits.
func (b *Bulk) Commit() error {
	if b.done {
		return errors.New("bulk: transaction already finished")
	}
	ctx := context.Background()
	err := putIndicatorYears(ctx, b.Tx, b.S.D, b.years)
	if err == nil {
		err = BumpDataVersion(ctx, b.Tx, b.S.D)
	}
	if e := b.L.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = b.Tx.Commit()
	}
	if err != nil {
		b.Rollback()
		return err
	}
	b.done = true
	return b.Conn.Close()
}

// Rollback abandons everything written through b (safe to call twice).
func (b *Bulk) Rollback() error {
	if b.done {
		return nil
	}
	b.done = true
	if b.L != nil {
		b.L.Close()
	}
	err := b.Tx.Rollback()
	b.Conn.Close()
	return err
}

// invalid wraps a validation error with the record it concerns.
func invalid(what string, err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return &domain.Error{Code: de.Code, Message: what + " : " + de.Message, Fields: de.Fields}
	}
	return err
}

func (b *Bulk) distinct(a, c string) string {
	if b.S.D.Dollar {
		return a + " IS DISTINCT FROM " + c
	}
	return a + " IS NOT " + c
}

// changed renders "t.c1 <> excluded.c1 OR ..." (NULL-safe) for the columns.
func (b *Bulk) changed(table string, cols ...string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = b.distinct(table+"."+c, "excluded."+c)
	}
	return strings.Join(parts, " OR ")
}

// setExcluded renders "c1 = excluded.c1, ...".
func setExcluded(cols ...string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c + " = excluded." + c
	}
	return strings.Join(parts, ", ")
}

// upsertSpec builds a spec that updates data columns and, only when one of
// them changed, updated_at and version: a re-import of the same data leaves
// versions alone. derived columns (search) are computed from the data
// columns: updated with them, never a reason to update.
func (b *Bulk) upsertSpec(table string, cols []string, key string, data []string, derived ...string) *Spec {
	return &Spec{Table: table, Cols: cols, Conflict: "ON CONFLICT (" + key + ") DO UPDATE SET " + setExcluded(append(slices.Clone(data), derived...)...) +
		", updated_at = excluded.updated_at, version = " + table + ".version + 1 WHERE " + b.changed(table, data...)}
}

var territorySpecCols = []string{"code", "type", "name", "departement", "region", "parent", "siren", "lat", "lon", "owner_org", "visibility", "created_at", "updated_at", "version", "search"}

// UpsertTerritories creates or updates territories by code. Centroids that
// the input lacks are kept.
func (b *Bulk) UpsertTerritories(ctx context.Context, ts []domain.Territory) error {
	data := []string{"type", "name", "departement", "region", "parent", "siren"}
	sp := b.upsertSpec("territories", territorySpecCols, "code", data)
	sp.Conflict = "ON CONFLICT (code) DO UPDATE SET " + setExcluded(append(slices.Clone(data), "search")...) +
		", lat = coalesce(excluded.lat, territories.lat), lon = coalesce(excluded.lon, territories.lon)" +
		", updated_at = excluded.updated_at, version = territories.version + 1 WHERE " + b.changed("territories", data...) +
		" OR (excluded.lat IS NOT NULL AND " + b.distinct("territories.lat", "excluded.lat") + ")" +
		" OR (excluded.lon IS NOT NULL AND " + b.distinct("territories.lon", "excluded.lon") + ")"
	ts = slices.Clone(ts)
	slices.SortStableFunc(ts, func(x, y domain.Territory) int { return cmp.Compare(x.Code, y.Code) })
	now := b.S.D.TimeArg(b.Now)
	var st searchText
	args := make([]any, 0, len(ts)*len(territorySpecCols))
	for i := range ts {
		t := &ts[i]
		if err := t.Validate(); err != nil {
			return invalid("Territoire "+t.Code, err)
		}
		if i+1 < len(ts) && ts[i+1].Code == t.Code {
			continue // the last occurrence wins
		}
		args = append(args, t.Code, string(t.Type), t.Name, t.Departement, t.Region, t.Parent, t.SIREN, t.Lat, t.Lon,
			t.OwnerOrg, string(t.Visibility), now, now, 1, st.territory(t))
		b.Chk.AddTerritory(t.Code, t.Type)
	}
	return b.L.Load(ctx, sp, args)
}

// SetMembers replaces the member communes of a group territory.
func (b *Bulk) SetMembers(ctx context.Context, group string, communes []string) error {
	if _, _, ok, err := b.Chk.Territory(ctx, group); err != nil {
		return err
	} else if !ok {
		var v domain.Validation
		v.Add("code", "territoire inconnu %q", group)
		return v.Err()
	}
	seen := map[string]bool{}
	var args []any
	var v domain.Validation
	for _, c := range communes {
		cur, typ, ok, err := b.Chk.Territory(ctx, c)
		if err != nil {
			return err
		}
		if !ok || (typ != domain.TypeCommune && typ != domain.TypeArrondissement) {
			v.Add("communes", "commune inconnue %q (membre de %s)", c, group)
			continue
		}
		if !seen[cur] {
			seen[cur] = true
			args = append(args, group, cur)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if _, err := b.Tx.ExecContext(ctx, b.S.D.Q(qDeleteMembers), group); err != nil {
		return err
	}
	return b.L.Load(ctx, &Spec{Table: "territory_members", Cols: []string{"group_code", "commune_code"}, Conflict: "ON CONFLICT DO NOTHING"}, args)
}

// UpsertAliases creates or updates aliases by code.
func (b *Bulk) UpsertAliases(ctx context.Context, as []domain.Alias) error {
	sp := &Spec{Table: "territory_aliases", Cols: []string{"code", "target", "name", "reason"},
		Conflict: "ON CONFLICT (code) DO UPDATE SET " + setExcluded("target", "name", "reason") +
			" WHERE " + b.changed("territory_aliases", "target", "name", "reason")}
	var args []any
	seen := map[string]int{}
	for _, a := range as {
		cur, _, ok, err := b.Chk.Territory(ctx, a.Target)
		if err != nil {
			return err
		}
		if !ok {
			var v domain.Validation
			v.Add("target", "territoire inconnu %q (cible de l'alias %s)", a.Target, a.Code)
			return v.Err()
		}
		if a.Code == "" {
			var v domain.Validation
			v.Add("code", "obligatoire")
			return v.Err()
		}
		if i, dup := seen[a.Code]; dup {
			args[i*4+1], args[i*4+2], args[i*4+3] = cur, a.Name, a.Reason
			continue
		}
		seen[a.Code] = len(args) / 4
		args = append(args, a.Code, cur, a.Name, a.Reason)
	}
	if err := b.L.Load(ctx, sp, args); err != nil {
		return err
	}
	for i := 0; i < len(args); i += 4 {
		b.Chk.AddAlias(args[i].(string), args[i+1].(string))
	}
	return nil
}

// PutGeometries creates or replaces territory geometries.
func (b *Bulk) PutGeometries(ctx context.Context, gs []domain.Geometry) error {
	sp := &Spec{Table: "territory_geometries", Cols: []string{"code", "geojson"},
		Conflict: "ON CONFLICT (code) DO UPDATE SET geojson = excluded.geojson WHERE " + b.changed("territory_geometries", "geojson")}
	var args []any
	seen := map[string]int{}
	for _, g := range gs {
		cur, _, ok, err := b.Chk.Territory(ctx, g.Code)
		if err != nil {
			return err
		}
		if !ok {
			var v domain.Validation
			v.Add("code", "territoire inconnu %q", g.Code)
			return v.Err()
		}
		if i, dup := seen[cur]; dup {
			args[i*2+1] = string(g.GeoJSON)
			continue
		}
		seen[cur] = len(args) / 2
		args = append(args, cur, string(g.GeoJSON))
	}
	return b.L.Load(ctx, sp, args)
}

// SetCentroids sets explicit centroids.
func (b *Bulk) SetCentroids(ctx context.Context, cs []domain.Centroid) error {
	q := b.S.D.Q(`UPDATE territories SET lat = ?, lon = ?, updated_at = ?, version = version + 1
		WHERE code = ? AND (` + b.distinct("lat", "?") + ` OR ` + b.distinct("lon", "?") + `)`)
	if b.S.D.Dollar {
		q = strings.Replace(q, "IS DISTINCT FROM $5", "IS DISTINCT FROM $5::double precision", 1)
		q = strings.Replace(q, "IS DISTINCT FROM $6", "IS DISTINCT FROM $6::double precision", 1)
	}
	st, err := b.Tx.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	defer st.Close()
	now := b.S.D.TimeArg(b.Now)
	for _, c := range cs {
		var v domain.Validation
		cur, _, ok, err := b.Chk.Territory(ctx, c.Code)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("territory", "territoire inconnu %q", c.Code)
		}
		if c.Lat < -90 || c.Lat > 90 {
			v.Add("lat", "latitude hors bornes : %v", c.Lat)
		}
		if c.Lon < -180 || c.Lon > 180 {
			v.Add("lon", "longitude hors bornes : %v", c.Lon)
		}
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, c.Lat, c.Lon, now, cur, c.Lat, c.Lon); err != nil {
			return err
		}
	}
	return nil
}

var indicatorSpecCols = []string{"code", "label", "unit", "source", "definition", "publics", "owner_org", "visibility", "created_at", "updated_at", "version"}

// UpsertIndicators creates or updates catalogue entries by code.
func (b *Bulk) UpsertIndicators(ctx context.Context, inds []domain.Indicator) error {
	ref, err := b.Chk.Refs(ctx)
	if err != nil {
		return err
	}
	sp := b.upsertSpec("indicators", indicatorSpecCols, "code", []string{"label", "unit", "source", "definition", "publics"})
	now := b.S.D.TimeArg(b.Now)
	var args []any
	seen := map[string]bool{}
	for i := len(inds) - 1; i >= 0; i-- { // the last occurrence wins
		ind := inds[i]
		if err := ind.Validate(ref); err != nil {
			return invalid("Indicateur "+ind.Code, err)
		}
		if seen[ind.Code] {
			continue
		}
		seen[ind.Code] = true
		args = append(args, ind.Code, ind.Label, ind.Unit, ind.Source, ind.Definition, JoinList(ind.Publics),
			ind.OwnerOrg, string(ind.Visibility), now, now, 1)
		b.Chk.AddIndicator(ind.Code)
	}
	return b.L.Load(ctx, sp, args)
}

// ValueChunk is how many indicator values are checked, sorted and written
// at a time: big enough for long multi-row statements and COPY batches,
// small enough that 10 million values never sit in memory as structs.
const ValueChunk = 65536

var valueCols = []string{"indicator", "year", "territory", "value"}

// valueSpec is the upsert of indicator values.
func (b *Bulk) valueSpec() *Spec {
	return &Spec{Table: "indicator_values", Cols: valueCols,
		Conflict: "ON CONFLICT (indicator, year, territory) DO UPDATE SET value = excluded.value WHERE " +
			b.distinct("indicator_values.value", "excluded.value")}
}

// CheckValue validates v (resolving its territory) and records its year.
func (b *Bulk) CheckValue(ctx context.Context, v *domain.IndicatorValue) error {
	if err := b.Chk.IndicatorValue(ctx, v); err != nil {
		return invalid(fmt.Sprintf("Valeur %s/%s/%d", v.Indicator, v.Territory, v.Year), err)
	}
	if v.Year == b.lastYear.Year && v.Indicator == b.lastYear.Indicator {
		return nil // grouped by indicator and year: already recorded
	}
	k := IndicatorYear{v.Indicator, v.Year}
	if !b.years[k] {
		b.years[k] = true
	}
	b.lastYear = k
	return nil
}

func compareValues(x, y domain.IndicatorValue) int {
	if c := cmp.Compare(x.Indicator, y.Indicator); c != 0 {
		return c
	}
	if c := cmp.Compare(x.Year, y.Year); c != 0 {
		return c
	}
	return cmp.Compare(x.Territory, y.Territory)
}

// SortDedupValues sorts a chunk in key order (inserts then append to the
// b-tree) and keeps the last of duplicated keys.
func SortDedupValues(vs []domain.IndicatorValue) []domain.IndicatorValue {
	if !slices.IsSortedFunc(vs, compareValues) {
		slices.SortStableFunc(vs, compareValues)
	}
	out := vs[:0]
	for i := range vs {
		if i+1 < len(vs) && compareValues(vs[i], vs[i+1]) == 0 {
			continue
		}
		out = append(out, vs[i])
	}
	return out
}

// PutIndicatorValues streams values in chunks: check, sort, upsert. It
// returns the number of values read (a repeated key counts each time; the
// last value wins).
func (b *Bulk) PutIndicatorValues(ctx context.Context, values iter.Seq[domain.IndicatorValue]) (int, error) {
	b.Touch("indicator_values")
	chunk := make([]domain.IndicatorValue, 0, ValueChunk)
	n := 0
	for v := range values {
		if err := b.CheckValue(ctx, &v); err != nil {
			return n, err
		}
		chunk = append(chunk, v)
		n++
		if len(chunk) == cap(chunk) {
			if err := b.UpsertValues(ctx, chunk); err != nil {
				return n, err
			}
			chunk = chunk[:0]
		}
	}
	if len(chunk) > 0 {
		if err := b.UpsertValues(ctx, chunk); err != nil {
			return n, err
		}
	}
	return n, nil
}

// UpsertValues writes a chunk of checked values (sorted and deduplicated in
// place, the last of a repeated key winning) with the upsert statement.
func (b *Bulk) UpsertValues(ctx context.Context, chunk []domain.IndicatorValue) error {
	chunk = SortDedupValues(chunk)
	args := b.valueArgs[:0]
	// In key order indicator and year repeat from row to row: their
	// boxed values are shared instead of allocated per value.
	var ind, year any
	for i, v := range chunk {
		if i == 0 || v.Indicator != chunk[i-1].Indicator {
			ind = v.Indicator
		}
		if i == 0 || v.Year != chunk[i-1].Year {
			year = int64(v.Year)
		}
		args = append(args, ind, year, v.Territory, v.Value)
	}
	b.valueArgs = args[:0]
	return b.L.Load(ctx, b.valueSpec(), args)
}

// srcKey is a natural key of actors and actions.
type srcKey struct{ source, ext string }

// existing looks up the ids (and zone/places for actions) of records with
// the given natural keys.
type existingRow struct {
	id     int64
	zone   string
	places string
}

// hash is FNV-1a over source, a zero byte and ext (without allocating).
func (k srcKey) hash() uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for i := 0; i < len(k.source); i++ {
		h = (h ^ uint64(k.source[i])) * prime
	}
	h *= prime // the zero byte
	for i := 0; i < len(k.ext); i++ {
		h = (h ^ uint64(k.ext[i])) * prime
	}
	return h
}

func (b *Bulk) lookupExisting(ctx context.Context, table string, keys []srcKey, withZone bool) (map[srcKey]existingRow, error) {
	out := map[srcKey]existingRow{}
	if b.Empty(table) || len(keys) == 0 {
		return out, nil
	}
	bySource := map[string][]string{}
	seen := b.fresh[table]
	for _, k := range keys {
		if seen != nil {
			if _, maybe := seen[k.hash()]; !maybe {
				continue
			}
		}
		bySource[k.source] = append(bySource[k.source], k.ext)
	}
	cols := "external_id, id, '', ''"
	if withZone {
		cols = "external_id, id, zone, places"
	}
	const step = 2000
	for src, exts := range bySource {
		for i := 0; i < len(exts); i += step {
			part := exts[min(i, len(exts)):min(i+step, len(exts))]
			args := append([]any{src}, StringArgs(part)...)
			rows, err := b.Tx.QueryContext(ctx, b.S.D.Q("SELECT "+cols+" FROM "+table+" WHERE source = ? AND external_id IN ("+Placeholders(len(part))+")"), args...)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var ext string
				var e existingRow
				if err := rows.Scan(&ext, &e.id, &e.zone, &e.places); err != nil {
					rows.Close()
					return nil, err
				}
				out[srcKey{src, ext}] = e
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// assignIDs maps each record's natural key to an id: existing rows keep
// theirs, new keys get fresh ones, repeated keys share one. It returns the
// ids in input order, the index of the last occurrence of each key (the
// rows to write) and the existing rows found.
func (b *Bulk) assignIDs(ctx context.Context, table string, keys []srcKey, withZone bool) ([]int64, []int, map[srcKey]existingRow, error) {
	ex, err := b.lookupExisting(ctx, table, keys, withZone)
	if err != nil {
		return nil, nil, nil, err
	}
	ids := make([]int64, len(keys))
	last := map[srcKey]int{}
	for i, k := range keys {
		last[k] = i
	}
	var newKeys []srcKey
	for i, k := range keys {
		if last[k] != i {
			continue
		}
		if _, ok := ex[k]; !ok {
			newKeys = append(newKeys, k)
		}
	}
	fresh, err := b.Alloc(ctx, table, len(newKeys))
	if err != nil {
		return nil, nil, nil, err
	}
	assigned := make(map[srcKey]int64, len(keys))
	for k, e := range ex {
		assigned[k] = e.id
	}
	for i, k := range newKeys {
		assigned[k] = fresh[i]
	}
	var write []int
	for i, k := range keys {
		ids[i] = assigned[k]
		if last[k] == i {
			write = append(write, i)
		}
	}
	if seen := b.fresh[table]; seen != nil {
		for _, k := range newKeys {
			seen[k.hash()] = struct{}{}
		}
	}
	return ids, write, ex, nil
}

var actorSpecCols = []string{"id", "source", "external_id", "name", "type", "siren", "siret", "commune", "territory", "owner_org", "visibility", "created_at", "updated_at", "version", "search"}

// UpsertActors creates or updates actors by (source, external id).
func (b *Bulk) UpsertActors(ctx context.Context, as []domain.Actor) ([]int64, error) {
	keys := make([]srcKey, len(as))
	for i := range as {
		a := &as[i]
		if err := b.Chk.ActorRecord(ctx, a); err != nil {
			return nil, invalid("Acteur "+a.ExternalID, err)
		}
		if a.ExternalID == "" {
			var v domain.Validation
			v.Add("id", "identifiant obligatoire pour un import (acteur %q)", a.Name)
			return nil, v.Err()
		}
		keys[i] = srcKey{a.Source, a.ExternalID}
	}
	ids, write, ex, err := b.assignIDs(ctx, "actors", keys, false)
	if err != nil {
		return nil, err
	}
	upsert := b.upsertSpec("actors", actorSpecCols, "id", []string{"name", "type", "siren", "siret", "commune", "territory"}, "search")
	now := b.S.D.TimeArg(b.Now)
	var st searchText
	var newArgs, oldArgs []any
	for _, i := range write {
		a := &as[i]
		dst := &newArgs
		if _, existed := ex[keys[i]]; existed {
			dst = &oldArgs
		}
		*dst = append(*dst, ids[i], a.Source, a.ExternalID, a.Name, a.Type, a.SIREN, a.SIRET, a.Commune, a.Territory,
			a.OwnerOrg, string(a.Visibility), now, now, 1, st.actor(a))
	}
	b.Touch("actors")
	if err := b.L.Load(ctx, &Spec{Table: "actors", Cols: actorSpecCols}, newArgs); err != nil {
		return nil, err
	}
	if err := b.L.Load(ctx, upsert, oldArgs); err != nil {
		return nil, err
	}
	for i := range as {
		as[i].ID = ids[i]
		b.Chk.AddActor(ids[i])
	}
	return ids, nil
}

// ActionCols are the columns of actions written by bulk loads.
var ActionCols = []string{"id", "source", "external_id", "title", "description", "operator_id", "themes", "publics", "labels", "zone", "places",
	"capacity", "start_date", "end_date", "status", "owner_org", "visibility", "created_at", "updated_at", "version", "search"}

var actionData = []string{"title", "description", "operator_id", "themes", "publics", "labels", "zone", "places", "capacity", "start_date", "end_date", "status"}

// ActionChunk bounds the actions validated and written at a time.
const ActionChunk = 20000

// UpsertActions creates or updates actions by (source, external id), with
// their territory links and roles.
func (b *Bulk) UpsertActions(ctx context.Context, as []domain.Action) ([]int64, error) {
	all := make([]int64, 0, len(as))
	for i := 0; i < len(as); i += ActionChunk {
		ids, err := b.upsertActions(ctx, as[i:min(i+ActionChunk, len(as))])
		if err != nil {
			return nil, err
		}
		all = append(all, ids...)
	}
	return all, nil
}

func (b *Bulk) upsertActions(ctx context.Context, as []domain.Action) ([]int64, error) {
	keys := make([]srcKey, len(as))
	for i := range as {
		a := &as[i]
		if err := b.Chk.Action(ctx, a); err != nil {
			return nil, invalid("Action "+a.ExternalID, err)
		}
		if a.ExternalID == "" {
			var v domain.Validation
			v.Add("id", "identifiant obligatoire pour un import (action %q)", a.Title)
			return nil, v.Err()
		}
		keys[i] = srcKey{a.Source, a.ExternalID}
	}
	ids, write, ex, err := b.assignIDs(ctx, "actions", keys, true)
	if err != nil {
		return nil, err
	}
	// New rows (fresh ids, keys not in the table) cannot conflict: they go
	// in with a plain INSERT (COPY straight into the table on PostgreSQL);
	// only rows that exist take the upsert.
	plain := &Spec{Table: "actions", Cols: ActionCols}
	upsert := b.upsertSpec("actions", ActionCols, "id", actionData, "search")
	now := b.S.D.TimeArg(b.Now)
	var st searchText
	newArgs := make([]any, 0, len(write)*len(ActionCols))
	var oldArgs []any
	var links []any
	var staleLinks, staleRoles []any
	var roles []any
	for _, i := range write {
		a := &as[i]
		zone, places := JoinList(a.Zone), JoinList(a.Places)
		e, existed := ex[keys[i]]
		dst := &newArgs
		if existed {
			dst = &oldArgs
		}
		*dst = append(*dst, ids[i], a.Source, a.ExternalID, a.Title, a.Description, a.OperatorID, JoinList(a.Themes), JoinList(a.Publics),
			JoinList(a.Labels), zone, places, a.Capacity, b.S.D.DateArg(a.StartDate), b.S.D.DateArg(a.EndDate), a.Status,
			a.OwnerOrg, string(a.Visibility), now, now, 1, st.action(a))
		if !existed || e.zone != zone || e.places != places {
			if existed {
				staleLinks = append(staleLinks, ids[i])
			}
			for _, c := range actionTerritoryCodes(a) {
				links = append(links, c, ids[i])
			}
		}
		if existed && !b.Empty("action_roles") {
			staleRoles = append(staleRoles, ids[i])
		}
		for _, r := range a.Roles {
			roles = append(roles, ids[i], r.ActorID, r.Role)
		}
	}
	b.Touch("actions")
	if err := b.L.Load(ctx, plain, newArgs); err != nil {
		return nil, err
	}
	if err := b.L.Load(ctx, upsert, oldArgs); err != nil {
		return nil, err
	}
	if err := b.deleteIn(ctx, "action_territories", "action_id", staleLinks); err != nil {
		return nil, err
	}
	if err := b.deleteIn(ctx, "action_roles", "action_id", staleRoles); err != nil {
		return nil, err
	}
	// Links of new actions and of re-linked ones (their old links are gone)
	// cannot conflict either; in key order they append to the b-tree.
	sortPairs(links)
	if err := b.L.Load(ctx, &Spec{Table: "action_territories", Cols: []string{"territory_code", "action_id"}}, links); err != nil {
		return nil, err
	}
	if len(roles) > 0 {
		b.Touch("action_roles")
		if err := b.L.Load(ctx, &Spec{Table: "action_roles", Cols: []string{"action_id", "actor_id", "role"}, Conflict: "ON CONFLICT DO NOTHING"}, roles); err != nil {
			return nil, err
		}
	}
	for i := range as {
		as[i].ID = ids[i]
	}
	return ids, nil
}

// sortPairs sorts flattened (code, id) pairs by code then id, the key order
// of action_territories.
func sortPairs(args []any) {
	type pair struct {
		c  string
		id int64
	}
	ps := make([]pair, len(args)/2)
	for i := range ps {
		ps[i] = pair{args[2*i].(string), args[2*i+1].(int64)}
	}
	slices.SortFunc(ps, func(x, y pair) int {
		if c := cmp.Compare(x.c, y.c); c != 0 {
			return c
		}
		return cmp.Compare(x.id, y.id)
	})
	for i, p := range ps {
		args[2*i], args[2*i+1] = p.c, p.id
	}
}

// deleteIn deletes rows of table whose col is one of vals.
func (b *Bulk) deleteIn(ctx context.Context, table, col string, vals []any) error {
	const step = 5000
	for i := 0; i < len(vals); i += step {
		part := vals[i:min(i+step, len(vals))]
		if _, err := b.Tx.ExecContext(ctx, b.S.D.Q("DELETE FROM "+table+" WHERE "+col+" IN ("+Placeholders(len(part))+")"), part...); err != nil {
			return err
		}
	}
	return nil
}

var fundingSpecCols = []string{"action_id", "funder_id", "year", "amount", "owner_org", "visibility", "created_at", "updated_at", "version"}

type fundKey struct {
	action, funder int64
	year           int
}

// ReplaceFundings makes fs the fundings of the given actions: upserts by
// (action, funder, year), then deletes the others of those actions.
func (b *Bulk) ReplaceFundings(ctx context.Context, actionIDs []int64, fs []domain.Funding) error {
	inSet := make(map[int64]bool, len(actionIDs))
	for _, id := range actionIDs {
		inSet[id] = true
	}
	keep := make(map[fundKey]int, len(fs))
	var v domain.Validation
	for i := range fs {
		f := &fs[i]
		if err := f.Validate(); err != nil {
			return invalid(fmt.Sprintf("Financement de l'action %d", f.ActionID), err)
		}
		if !inSet[f.ActionID] {
			v.Add("action_id", "l'action %d n'est pas parmi celles dont les financements sont remplacés", f.ActionID)
			return v.Err()
		}
		ok, err := b.Chk.Actor(ctx, f.FunderID)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("funder_id", "acteur inconnu %d", f.FunderID)
			return v.Err()
		}
		keep[fundKey{f.ActionID, f.FunderID, f.Year}] = i
	}
	fresh := b.fundedFresh
	if fresh {
		for _, id := range actionIDs {
			if id <= 0 || b.isFunded(id) {
				fresh = false
				break
			}
		}
	}
	if !fresh && !b.Empty("fundings") {
		if err := b.deleteStaleFundings(ctx, actionIDs, keep); err != nil {
			return err
		}
	}
	sp := b.upsertSpec("fundings", fundingSpecCols, "action_id, funder_id, year", []string{"amount"})
	if fresh {
		// None of these actions has a funding yet: a plain insert.
		sp = &Spec{Table: "fundings", Cols: fundingSpecCols}
	}
	if b.fundedFresh {
		for _, id := range actionIDs {
			b.setFunded(id)
		}
	}
	now := b.S.D.TimeArg(b.Now)
	args := make([]any, 0, len(keep)*len(fundingSpecCols))
	for i := range fs {
		f := &fs[i]
		if keep[fundKey{f.ActionID, f.FunderID, f.Year}] != i {
			continue
		}
		args = append(args, f.ActionID, f.FunderID, f.Year, f.Amount, f.OwnerOrg, string(f.Visibility), now, now, 1)
	}
	b.Touch("fundings")
	return b.L.Load(ctx, sp, args)
}

func (b *Bulk) isFunded(id int64) bool {
	w := uint64(id) / 64
	return w < uint64(len(b.funded)) && b.funded[w]&(1<<(uint64(id)%64)) != 0
}

func (b *Bulk) setFunded(id int64) {
	if id <= 0 || id >= 1<<34 {
		b.fundedFresh = false // not a dense id: fall back to queries
		return
	}
	w := int(uint64(id) / 64)
	if w >= len(b.funded) {
		b.funded = append(b.funded, make([]uint64, w+1-len(b.funded)+len(b.funded)/2)...)
	}
	b.funded[w] |= 1 << (uint64(id) % 64)
}

func (b *Bulk) deleteStaleFundings(ctx context.Context, actionIDs []int64, keep map[fundKey]int) error {
	const step = 5000
	var stale []any
	for i := 0; i < len(actionIDs); i += step {
		part := actionIDs[i:min(i+step, len(actionIDs))]
		args := make([]any, len(part))
		for j, id := range part {
			args[j] = id
		}
		rows, err := b.Tx.QueryContext(ctx, b.S.D.Q("SELECT id, action_id, funder_id, year FROM fundings WHERE action_id IN ("+Placeholders(len(part))+")"), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var k fundKey
			if err := rows.Scan(&id, &k.action, &k.funder, &k.year); err != nil {
				rows.Close()
				return err
			}
			if _, ok := keep[k]; !ok {
				stale = append(stale, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return b.deleteIn(ctx, "fundings", "id", stale)
}
