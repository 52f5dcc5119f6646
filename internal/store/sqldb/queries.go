package sqldb

import "time"

func nowUTC() time.Time { return time.Now().UTC() }

// Queries are written once with "?" placeholders; Dialect.Q rebinds them.
// Column lists are constants so that scans and queries stay in step.
const (
	qCreateMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`
	qMigrationApplied = `SELECT count(*) FROM schema_migrations WHERE version = ?`
	qMigrationRecord  = `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`

	qBumpDataVersion = `UPDATE data_version SET version = version + 1 WHERE id = 1`
	qDataVersion     = `SELECT version FROM data_version WHERE id = 1`

	qSetting    = `SELECT value FROM settings WHERE key = ?`
	qSetSetting = `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`
	qSeedDone   = `SELECT count(*) FROM settings WHERE key = 'seed.core'`

	qSeedOrganisation = `INSERT INTO organisations (id, name, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`
	qSyncOrgSequence  = `SELECT setval(pg_get_serial_sequence('organisations', 'id'), (SELECT max(id) FROM organisations))`
	qSeedIndicator    = `INSERT INTO indicators (code, label, unit, source, definition, publics, owner_org, visibility, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING`

	qReferentials    = `SELECT kind, code, label, need, data_inclusion FROM referential_entries ORDER BY kind, position, code`
	qRefNextPosition = `SELECT coalesce(max(position), -1) + 1 FROM referential_entries WHERE kind = ?`
	qPutRefEntry     = `INSERT INTO referential_entries (kind, code, label, need, data_inclusion, position) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, code) DO UPDATE SET label = excluded.label, need = excluded.need, data_inclusion = excluded.data_inclusion`

	// Territories. Population is the latest value of the population
	// indicator: the subquery walks indicator_years from the latest year
	// down and probes the (indicator, year, territory) key once per year
	// until one hits, in both databases (a plain "territory = ?" filter
	// would scan every population row on PostgreSQL).
	territoryCols = `t.code, t.type, t.name, t.departement, t.region, t.parent, t.siren, t.lat, t.lon,
		t.owner_org, t.visibility, t.created_at, t.updated_at, t.version,
		(SELECT v.value FROM indicator_years y JOIN indicator_values v ON v.indicator = y.indicator AND v.year = y.year AND v.territory = t.code
			WHERE y.indicator = 'population' ORDER BY y.year DESC LIMIT 1),
		(SELECT v.year FROM indicator_years y JOIN indicator_values v ON v.indicator = y.indicator AND v.year = y.year AND v.territory = t.code
			WHERE y.indicator = 'population' ORDER BY y.year DESC LIMIT 1)`
	qTerritory       = `SELECT ` + territoryCols + ` FROM territories t WHERE t.code = ?`
	qAliasTarget     = `SELECT target FROM territory_aliases WHERE code = ?`
	qTerritoryType   = `SELECT type FROM territories WHERE code = ?`
	qAliases         = `SELECT code, target, name, reason FROM territory_aliases ORDER BY code`
	qGeometry        = `SELECT geojson FROM territory_geometries WHERE code = ?`
	qMembersOf       = `SELECT commune_code AS code FROM territory_members WHERE group_code = ?`
	qCommunesOfDep   = `SELECT code FROM territories WHERE departement = ? AND type = 'commune'`
	qCommunesOfReg   = `SELECT code FROM territories WHERE region = ? AND type = 'commune'`
	qDeleteMembers   = `DELETE FROM territory_members WHERE group_code = ?`
	qInsertMember    = `INSERT INTO territory_members (group_code, commune_code) VALUES (?, ?) ON CONFLICT DO NOTHING`
	qDeleteTerritory = `DELETE FROM territories WHERE code = ?`
	qUpsertPerimeter = `INSERT INTO territories (code, type, name, departement, region, parent, siren, lat, lon, owner_org, visibility, created_at, updated_at, version, search)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, search = excluded.search, departement = excluded.departement, region = excluded.region,
			lat = excluded.lat, lon = excluded.lon, owner_org = excluded.owner_org, visibility = excluded.visibility,
			updated_at = excluded.updated_at, version = territories.version + 1`
	qCountActionsOnTerritory = `SELECT count(*) FROM action_territories WHERE territory_code = ?`
	qKnownTerritory          = `SELECT code FROM territories WHERE code = ?`

	// Indicators.
	indicatorCols    = `code, label, unit, source, definition, publics, owner_org, visibility, created_at, updated_at, version`
	qIndicator       = `SELECT ` + indicatorCols + ` FROM indicators WHERE code = ?`
	qIndicators      = `SELECT ` + indicatorCols + ` FROM indicators ORDER BY code`
	qCreateIndicator = `INSERT INTO indicators (` + indicatorCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`
	qUpdateIndicator = `UPDATE indicators SET label = ?, unit = ?, source = ?, definition = ?, publics = ?, owner_org = ?, visibility = ?,
		updated_at = ?, version = version + 1 WHERE code = ? AND version = ?`
	qDeleteIndicator       = `DELETE FROM indicators WHERE code = ?`
	qDeleteIndicatorValues = `DELETE FROM indicator_values WHERE indicator = ?`
	qDeleteIndicatorYears  = `DELETE FROM indicator_years WHERE indicator = ?`
	qUpsertIndicatorValue  = `INSERT INTO indicator_values (indicator, year, territory, value) VALUES (?, ?, ?, ?)
		ON CONFLICT (indicator, year, territory) DO UPDATE SET value = excluded.value`
	qUpsertIndicatorYear  = `INSERT INTO indicator_years (indicator, year) VALUES (?, ?) ON CONFLICT DO NOTHING`
	qDeleteIndicatorValue = `DELETE FROM indicator_values WHERE indicator = ? AND year = ? AND territory = ?`
	// The (indicator, year) pairs that have values, by a loose scan of the
	// primary key: each query is one index seek (min on a key prefix).
	qFirstValueIndicator = `SELECT min(indicator) FROM indicator_values`
	qNextValueIndicator  = `SELECT min(indicator) FROM indicator_values WHERE indicator > ?`
	qFirstValueYear      = `SELECT min(year) FROM indicator_values WHERE indicator = ?`
	qNextValueYear       = `SELECT min(year) FROM indicator_values WHERE indicator = ? AND year > ?`
	qVisibleIndicators   = `SELECT i.code FROM indicators i`
	qPairValues          = `SELECT territory, value FROM indicator_values WHERE indicator = ? AND year = ? ORDER BY territory`

	// Actors.
	actorCols     = `a.id, a.source, a.external_id, a.name, a.type, a.siren, a.siret, a.commune, a.territory, a.owner_org, a.visibility, a.created_at, a.updated_at, a.version`
	qActor        = `SELECT ` + actorCols + ` FROM actors a WHERE a.id = ?`
	qActorByExtID = `SELECT ` + actorCols + ` FROM actors a WHERE a.source = ? AND a.external_id = ?`
	qAllActors    = `SELECT ` + actorCols + ` FROM actors a ORDER BY a.id`
	qCreateActor  = `INSERT INTO actors (source, external_id, name, type, siren, siret, commune, territory, owner_org, visibility, created_at, updated_at, version, search)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING id`
	qUpdateActor = `UPDATE actors SET source = ?, external_id = ?, name = ?, type = ?, siren = ?, siret = ?, commune = ?, territory = ?,
		owner_org = ?, visibility = ?, updated_at = ?, search = ?, version = version + 1 WHERE id = ? AND version = ?`
	qDeleteActor  = `DELETE FROM actors WHERE id = ?`
	qActorExists  = `SELECT count(*) FROM actors WHERE id = ?`
	qActorUsage   = `SELECT (SELECT count(*) FROM actions WHERE operator_id = ?), (SELECT count(*) FROM fundings WHERE funder_id = ?), (SELECT count(*) FROM action_roles WHERE actor_id = ?)`
	qActorVersion = `SELECT version FROM actors WHERE id = ?`

	// Actions.
	actionCols = `a.id, a.source, a.external_id, a.title, a.description, a.operator_id, a.themes, a.publics, a.labels, a.zone, a.places,
		a.capacity, a.start_date, a.end_date, a.status, a.owner_org, a.visibility, a.created_at, a.updated_at, a.version`
	qAction       = `SELECT ` + actionCols + ` FROM actions a WHERE a.id = ?`
	qAllActions   = `SELECT ` + actionCols + ` FROM actions a ORDER BY a.id`
	qCreateAction = `INSERT INTO actions (source, external_id, title, description, operator_id, themes, publics, labels, zone, places,
		capacity, start_date, end_date, status, owner_org, visibility, created_at, updated_at, version, search)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING id`
	qUpdateAction = `UPDATE actions SET source = ?, external_id = ?, title = ?, description = ?, operator_id = ?, themes = ?, publics = ?,
		labels = ?, zone = ?, places = ?, capacity = ?, start_date = ?, end_date = ?, status = ?, owner_org = ?, visibility = ?,
		updated_at = ?, search = ?, version = version + 1 WHERE id = ? AND version = ?`
	qDeleteAction            = `DELETE FROM actions WHERE id = ?`
	qActionVersion           = `SELECT version FROM actions WHERE id = ?`
	qActionRoles             = `SELECT actor_id, role FROM action_roles WHERE action_id = ? ORDER BY role, actor_id`
	qDeleteActionRoles       = `DELETE FROM action_roles WHERE action_id = ?`
	qInsertActionRole        = `INSERT INTO action_roles (action_id, actor_id, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`
	qDeleteActionTerritories = `DELETE FROM action_territories WHERE action_id = ?`
	qInsertActionTerritory   = `INSERT INTO action_territories (territory_code, action_id) VALUES (?, ?) ON CONFLICT DO NOTHING`
	qDeleteActionFundings    = `DELETE FROM fundings WHERE action_id = ?`

	// Fundings.
	fundingCols     = `f.id, f.action_id, f.funder_id, f.year, f.amount, f.owner_org, f.visibility, f.created_at, f.updated_at, f.version`
	qFunding        = `SELECT ` + fundingCols + ` FROM fundings f WHERE f.id = ?`
	qAllFundings    = `SELECT ` + fundingCols + ` FROM fundings f ORDER BY f.id`
	qActionFundings = `SELECT ` + fundingCols + ` FROM fundings f WHERE f.action_id = ? ORDER BY f.year, f.funder_id`
	qCreateFunding  = `INSERT INTO fundings (action_id, funder_id, year, amount, owner_org, visibility, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`
	qUpdateFunding = `UPDATE fundings SET action_id = ?, funder_id = ?, year = ?, amount = ?, owner_org = ?, visibility = ?,
		updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`
	qDeleteFunding  = `DELETE FROM fundings WHERE id = ?`
	qFundingVersion = `SELECT version FROM fundings WHERE id = ?`
	qActionExists   = `SELECT count(*) FROM actions WHERE id = ?`
)
