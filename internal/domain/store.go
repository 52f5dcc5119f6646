package domain

import (
	"context"
	"iter"
)

// Page is a slice of results with the total count matching the filter.
type Page[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// Store is Maillage's storage. One implementation per database (SQLite,
// PostgreSQL) passes the same contract test suite. Methods return *Error with
// ENOTFOUND, ECONFLICT or EINVALID for the caller's mistakes.
type Store interface {
	TerritoryStore
	IndicatorStore
	ActorStore
	ActionStore
	FundingStore
	ReferentialStore
	SettingStore
	// AccountStore: organisations, people, sessions, tokens, audit log
	// (internal/auth; implemented in store/sqldb/accounts.go).
	AccountStore
	// DiagnosticStore and GovernanceStore: shared diagnostics, governance
	// bodies and conventions (rules in internal/diagnostic; implemented in
	// store/sqldb/diagnostics.go and governance.go).
	DiagnosticStore
	GovernanceStore

	// Bulk opens a bulk-load transaction for importers: everything written
	// through it becomes visible at Commit, or not at all.
	Bulk(ctx context.Context) (BulkTx, error)

	// DataVersion is a counter that changes whenever data changes (the
	// analysis snapshot reloads when it moves; diagnostics record it).
	DataVersion(ctx context.Context) (int64, error)

	// Dialect names the database: "sqlite" or "postgres".
	Dialect() string
	Close() error
}

// TerritoryStore reads and writes territories.
type TerritoryStore interface {
	// Territory returns a territory by code. An alias code (commune déléguée,
	// merged commune) returns the current commune.
	Territory(ctx context.Context, code string) (*Territory, error)
	Territories(ctx context.Context, f TerritoryFilter) (Page[Territory], error)
	// CommunesOf returns the current commune codes a territory stands for:
	// itself for a commune; members for an EPCI, département, région or perimeter.
	CommunesOf(ctx context.Context, code string) ([]string, error)
	TerritoryGeometry(ctx context.Context, code string) ([]byte, error)
	// Aliases returns every alias (old code → current commune).
	Aliases(ctx context.Context) ([]Alias, error)
	// SavePerimeter creates or replaces a custom perimeter and its communes.
	SavePerimeter(ctx context.Context, t *Territory) error
	DeletePerimeter(ctx context.Context, code string) error
}

// IndicatorStore reads and writes the indicator catalogue and values.
type IndicatorStore interface {
	Indicator(ctx context.Context, code string) (*Indicator, error)
	Indicators(ctx context.Context) ([]Indicator, error)
	CreateIndicator(ctx context.Context, ind *Indicator) error
	UpdateIndicator(ctx context.Context, ind *Indicator) error // checks ind.Version
	DeleteIndicator(ctx context.Context, code string) error    // and its values
	IndicatorValues(ctx context.Context, f IndicatorValueFilter) (Page[IndicatorValue], error)
	// PutIndicatorValues upserts values (one transaction).
	PutIndicatorValues(ctx context.Context, values []IndicatorValue) error
	DeleteIndicatorValue(ctx context.Context, territory, indicator string, year int) error
	// AllIndicatorValues streams every value, ordered by indicator, year, territory.
	AllIndicatorValues(ctx context.Context) iter.Seq2[IndicatorValue, error]
}

// ActorStore reads and writes actors.
type ActorStore interface {
	Actor(ctx context.Context, id int64) (*Actor, error)
	ActorByExternalID(ctx context.Context, source, externalID string) (*Actor, error)
	Actors(ctx context.Context, f ActorFilter) (Page[Actor], error)
	CreateActor(ctx context.Context, a *Actor) error
	UpdateActor(ctx context.Context, a *Actor) error // checks a.Version
	DeleteActor(ctx context.Context, id int64) error // ECONFLICT while it operates or funds actions
	AllActors(ctx context.Context) iter.Seq2[Actor, error]
}

// ActionStore reads and writes actions.
type ActionStore interface {
	Action(ctx context.Context, id int64) (*Action, error) // with Fundings and Roles
	Actions(ctx context.Context, f ActionFilter) (Page[Action], error)
	CreateAction(ctx context.Context, a *Action) error
	UpdateAction(ctx context.Context, a *Action) error // checks a.Version
	DeleteAction(ctx context.Context, id int64) error  // and its fundings
	// AllActions streams every action (without Fundings) ordered by id.
	AllActions(ctx context.Context) iter.Seq2[Action, error]
}

// FundingStore reads and writes fundings.
type FundingStore interface {
	Funding(ctx context.Context, id int64) (*Funding, error)
	Fundings(ctx context.Context, f FundingFilter) (Page[Funding], error)
	CreateFunding(ctx context.Context, f *Funding) error
	UpdateFunding(ctx context.Context, f *Funding) error // checks f.Version
	DeleteFunding(ctx context.Context, id int64) error
	AllFundings(ctx context.Context) iter.Seq2[Funding, error]
}

// ReferentialStore reads and extends the referentials (seeded with
// DefaultReferentials by the first migration run).
type ReferentialStore interface {
	Referentials(ctx context.Context) (*Referentials, error)
	PutRefEntry(ctx context.Context, e RefEntry) error
}

// SettingStore keeps small instance settings (admin token hash, demo flag).
type SettingStore interface {
	Setting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
}

// BulkTx is a bulk-load transaction. Upserts are keyed by natural keys
// (territory code; indicator code; source+external id for actors and
// actions; action+funder+year for fundings), so re-imports are idempotent.
type BulkTx interface {
	UpsertTerritories(ctx context.Context, ts []Territory) error
	// SetMembers replaces the member communes of a group territory.
	SetMembers(ctx context.Context, group string, communes []string) error
	UpsertAliases(ctx context.Context, as []Alias) error
	PutGeometries(ctx context.Context, gs []Geometry) error
	// SetCentroids sets explicit centroids (lat, lon) by territory code.
	SetCentroids(ctx context.Context, cs []Centroid) error
	UpsertIndicators(ctx context.Context, inds []Indicator) error
	// PutIndicatorValues upserts a stream of values; it may sort or batch them.
	PutIndicatorValues(ctx context.Context, values iter.Seq[IndicatorValue]) (int, error)
	// UpsertActors returns the ids of the actors in order.
	UpsertActors(ctx context.Context, as []Actor) ([]int64, error)
	// UpsertActions returns the ids of the actions in order.
	UpsertActions(ctx context.Context, as []Action) ([]int64, error)
	// ReplaceFundings replaces all fundings of the given actions by fs.
	ReplaceFundings(ctx context.Context, actionIDs []int64, fs []Funding) error
	Commit() error
	Rollback() error
}

// Centroid is an explicit centroid for a territory.
type Centroid struct {
	Code string
	Lat  float64
	Lon  float64
}
