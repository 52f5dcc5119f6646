// Package demo builds Maillage's demo content: a deterministic, realistic
// fictional département (Build), and a national-size data set in the import
// template for benchmarks (National).
//
// The demo département "96 Val-de-Maille" has 60 communes, from a
// préfecture of about 60,000 inhabitants down to villages of a few hundred
// (populations follow a Zipf law, rank^-1.25), tiled by Voronoi cells over an
// area of centre France, grouped in one communauté d'agglomération and three
// communautés de communes. Its eastern end is a poor, ageing rural corner
// with no family service within Radius km — the white zone that the
// complementarity analysis must find — and two operators run the same kind
// of parentalité action over the same EPCI in three places — the overlaps.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"maillage/internal/domain"
)

// Seed is the fixed seed of the demo: the same seed gives the same demo.
const Seed uint64 = 20151116

// SettingKey is the instance setting that records that the demo is loaded.
const SettingKey = "demo"

// Version of the demo content, stored in SettingKey.
const Version = "1"

// Dataset is the whole demo content, computed in memory before it is written.
type Dataset struct {
	Region      domain.Territory
	Departement domain.Territory
	Communes    []*Commune // by code
	EPCIs       []*EPCI
	Indicators  []domain.IndicatorValue
	Actors      []domain.Actor // ExternalID is the key (source "demo")
	Actions     []ActionSpec   // ExternalID is the key (source "demo")
	Fundings    []FundingSpec
	Perimeters  []domain.Territory

	// ActorIDs and ActionIDs map external ids to database ids; Build fills
	// them when the core is written, for the steps that follow.
	ActorIDs  map[string]int64
	ActionIDs map[string]int64

	outline []pt
}

// Generate computes the demo content for a seed (no database needed).
func Generate(seed uint64) *Dataset {
	d := &Dataset{}
	// One random stream per content kind, so adding content of one kind later
	// does not change the others.
	stream := func(k uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, k)) }
	d.buildTerritories(stream(1))
	d.buildIndicators(stream(2))
	d.buildActors(stream(3))
	d.buildActions(stream(4))
	d.buildPerimeters()
	return d
}

// Step writes one kind of demo content into the store. Steps run in order
// after the dataset is generated; each may use what earlier ones wrote
// (d.ActorIDs, d.ActionIDs).
type Step struct {
	Name string
	Run  func(ctx context.Context, s domain.Store, d *Dataset) error
}

// Steps is the list Build runs. To add a kind of content to the demo (a
// shared diagnostic with its fieldwork and findings, a CTG convention with
// its action plan, governance bodies...), write a function with the Step
// signature in its own file of this package and append it here, e.g.
//
//	{Name: "diagnostic partagé", Run: writeDiagnostic},
//	{Name: "convention territoriale globale", Run: writeCTG},
//
// The CTG perimeter (CTGCode) and the ids of actors and actions are
// available on the Dataset.
var Steps = []Step{
	{Name: "territoires, indicateurs, acteurs, actions et financements", Run: writeCore},
	{Name: "périmètre de la CTG", Run: writePerimeters},
	{Name: "diagnostic partagé, gouvernance et CTG", Run: writeDiagnosticAndCTG},
	{Name: "retrait des anciens contenus de démonstration", Run: pruneStale},
}

// Build loads the demo territory. On an empty database it creates it; on a
// database that already holds it, it updates it in place (upserts keyed by
// code and by source "demo" + external id), so running it twice is
// idempotent. The caller decides whether a second load is wanted (Loaded).
func Build(ctx context.Context, s domain.Store) error {
	d := Generate(Seed)
	for _, st := range Steps {
		if err := st.Run(ctx, s, d); err != nil {
			return fmt.Errorf("démo, %s : %w", st.Name, err)
		}
	}
	return s.SetSetting(ctx, SettingKey, Version)
}

// Loaded reports whether the demo is in the store.
func Loaded(ctx context.Context, s domain.Store) (bool, error) {
	if _, ok, err := s.Setting(ctx, SettingKey); err != nil || ok {
		return ok, err
	}
	_, err := s.Territory(ctx, DeptCode)
	if err == nil {
		return true, nil
	}
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return false, nil
	}
	return false, err
}

// LoadTerritories writes only the demo's territories (région, département,
// EPCI, communes with their outlines and centroids) and its CTG perimeter:
// a fixture for tests that import their own actions onto real-looking
// territories.
func LoadTerritories(ctx context.Context, s domain.Store) error {
	d := Generate(Seed)
	tx, err := s.Bulk(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := writeTerritories(ctx, tx, d); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return writePerimeters(ctx, s, d)
}

// writeCore writes territories, indicators, actors, actions and fundings in
// one bulk transaction.
func writeCore(ctx context.Context, s domain.Store, d *Dataset) error {
	// The default catalogue may already be there (and edited): add only
	// what is missing.
	have := map[string]bool{}
	inds, err := s.Indicators(ctx)
	if err != nil {
		return err
	}
	for _, ind := range inds {
		have[ind.Code] = true
	}
	var missing []domain.Indicator
	for _, ind := range domain.DefaultIndicators() {
		if !have[ind.Code] {
			ind.OwnerOrg, ind.Visibility = domain.InstanceOrganisation, domain.VisibilityPublic
			missing = append(missing, ind)
		}
	}
	tx, err := s.Bulk(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if len(missing) > 0 {
		if err := tx.UpsertIndicators(ctx, missing); err != nil {
			return err
		}
	}
	for _, w := range []func(context.Context, domain.BulkTx, *Dataset) error{
		writeTerritories, writeIndicatorValues, writeActors, writeActions, writeFundings,
	} {
		if err := w(ctx, tx, d); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func writeTerritories(ctx context.Context, tx domain.BulkTx, d *Dataset) error {
	ts := []domain.Territory{d.Region, d.Departement}
	for _, e := range d.EPCIs {
		ts = append(ts, e.Territory)
	}
	for _, c := range d.Communes {
		ts = append(ts, c.Territory)
	}
	for i := range ts {
		ts[i].OwnerOrg, ts[i].Visibility = domain.InstanceOrganisation, domain.VisibilityPublic
		ts[i].Members = nil
	}
	if err := tx.UpsertTerritories(ctx, ts); err != nil {
		return err
	}
	for _, e := range d.EPCIs {
		if err := tx.SetMembers(ctx, e.Code, e.Members); err != nil {
			return err
		}
	}
	if err := tx.PutGeometries(ctx, d.geometries()); err != nil {
		return err
	}
	var cs []domain.Centroid
	for _, t := range ts {
		if t.Lat != nil {
			cs = append(cs, domain.Centroid{Code: t.Code, Lat: *t.Lat, Lon: *t.Lon})
		}
	}
	for _, e := range d.EPCIs {
		seat := d.commune(e.Seat)
		cs = append(cs, domain.Centroid{Code: e.Code, Lat: *seat.Lat, Lon: *seat.Lon})
	}
	lat, lon := toLatLon(centroid(d.outline))
	cs = append(cs, domain.Centroid{Code: DeptCode, Lat: round5(lat), Lon: round5(lon)},
		domain.Centroid{Code: RegionCode, Lat: round5(lat), Lon: round5(lon)})
	return tx.SetCentroids(ctx, cs)
}

func writeIndicatorValues(ctx context.Context, tx domain.BulkTx, d *Dataset) error {
	_, err := tx.PutIndicatorValues(ctx, slices.Values(d.Indicators))
	return err
}

func writeActors(ctx context.Context, tx domain.BulkTx, d *Dataset) error {
	ids, err := tx.UpsertActors(ctx, slices.Clone(d.Actors))
	if err != nil {
		return err
	}
	d.ActorIDs = make(map[string]int64, len(ids))
	for i, id := range ids {
		d.ActorIDs[d.Actors[i].ExternalID] = id
	}
	return nil
}

func writeActions(ctx context.Context, tx domain.BulkTx, d *Dataset) error {
	as := make([]domain.Action, len(d.Actions))
	for i, spec := range d.Actions {
		a := spec.Action
		a.OperatorID = d.ActorIDs[spec.Operator]
		if a.OperatorID == 0 {
			return fmt.Errorf("action %s : porteur inconnu %q", a.ExternalID, spec.Operator)
		}
		keys := make([]string, 0, len(spec.Roles))
		for k := range spec.Roles {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		a.Roles = nil
		for _, k := range keys {
			a.Roles = append(a.Roles, domain.ActionRole{ActorID: d.ActorIDs[k], Role: spec.Roles[k]})
		}
		as[i] = a
	}
	ids, err := tx.UpsertActions(ctx, as)
	if err != nil {
		return err
	}
	d.ActionIDs = make(map[string]int64, len(ids))
	for i, id := range ids {
		d.ActionIDs[d.Actions[i].ExternalID] = id
	}
	return nil
}

func writeFundings(ctx context.Context, tx domain.BulkTx, d *Dataset) error {
	fs := make([]domain.Funding, 0, len(d.Fundings))
	for _, f := range d.Fundings {
		fs = append(fs, domain.Funding{
			ActionID: d.ActionIDs[f.Action], FunderID: d.ActorIDs[f.Funder], Year: f.Year, Amount: f.Amount,
			Meta: domain.Meta{OwnerOrg: domain.InstanceOrganisation, Visibility: domain.VisibilityNetwork},
		})
	}
	ids := make([]int64, 0, len(d.ActionIDs))
	for _, a := range d.Actions {
		ids = append(ids, d.ActionIDs[a.ExternalID])
	}
	return tx.ReplaceFundings(ctx, ids, fs)
}

// pruneStale deletes the demo actions and actors (source "demo") that the
// current demo no longer has, so that reloading a newer demo over an older
// one (demo --force) replaces it instead of piling up.
func pruneStale(ctx context.Context, s domain.Store, d *Dataset) error {
	keepActions := map[string]bool{}
	for _, a := range d.Actions {
		keepActions[a.ExternalID] = true
	}
	var stale []int64
	for a, err := range s.AllActions(ctx) {
		if err != nil {
			return err
		}
		if a.Source == Source && !keepActions[a.ExternalID] {
			stale = append(stale, a.ID)
		}
	}
	for _, id := range stale {
		if err := s.DeleteAction(ctx, id); err != nil {
			return err
		}
	}
	keepActors := map[string]bool{}
	for _, a := range d.Actors {
		keepActors[a.ExternalID] = true
	}
	stale = stale[:0]
	for a, err := range s.AllActors(ctx) {
		if err != nil {
			return err
		}
		if a.Source == Source && !keepActors[a.ExternalID] {
			stale = append(stale, a.ID)
		}
	}
	for _, id := range stale {
		// An old demo actor that now operates or funds someone else's action
		// stays (the store refuses with a conflict).
		if err := s.DeleteActor(ctx, id); err != nil && domain.ErrorCode(err) != domain.ECONFLICT {
			return err
		}
	}
	return nil
}

// buildPerimeters defines the CTG perimeter: the northern communauté de
// communes plus the neighbouring commune of the agglomération closest to its
// seat (a commune that joined the CTG by convention).
func (d *Dataset) buildPerimeters() {
	north := d.EPCIs[1]
	seat := d.commune(north.Seat)
	var extra *Commune
	for _, c := range d.Communes {
		if c.Parent != d.EPCIs[0].Code {
			continue
		}
		if extra == nil || dist(c.pos, seat.pos) < dist(extra.pos, seat.pos) {
			extra = c
		}
	}
	members := append(slices.Clone(north.Members), extra.Code)
	slices.Sort(members)
	d.Perimeters = []domain.Territory{{
		Code: CTGCode, Type: domain.TypePerimeter,
		Name:        "Périmètre CTG " + north.Short + " et " + extra.Name,
		Departement: DeptCode, Region: RegionCode, Members: members,
		Meta: domain.Meta{OwnerOrg: domain.InstanceOrganisation, Visibility: domain.VisibilityPublic},
	}}
}

func writePerimeters(ctx context.Context, s domain.Store, d *Dataset) error {
	for _, p := range d.Perimeters {
		p := p
		p.Members = slices.Clone(p.Members)
		if err := s.SavePerimeter(ctx, &p); err != nil {
			return err
		}
	}
	return nil
}
