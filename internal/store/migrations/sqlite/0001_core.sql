-- 0001_core (SQLite): territories, indicators, actors, actions, fundings,
-- referentials, settings, organisations.
--
-- Conventions (kept identical in migrations/postgres/0001_core.sql):
-- * Every record carries owner_org, visibility, created_at, updated_at and
--   version (domain.Meta). Updates are "UPDATE ... WHERE id = ? AND version = ?"
--   and bump version; bulk upserts leave version alone when nothing changed.
-- * Timestamps are TEXT, RFC 3339 UTC with fixed-width microseconds
--   ("2026-11-25T17:48:11.000000Z"), so text order is time order. Dates are
--   TEXT "YYYY-MM-DD".
-- * Optional text fields are NOT NULL DEFAULT '' (no NULL/'' ambiguity).
-- * Lists (themes, publics, labels, zone, places, data_inclusion) are stored
--   as '|a|b|' with a leading and trailing '|' ('' when empty), so membership
--   is instr(col, '|code|') > 0 without LIKE wildcards to escape. Measured on
--   1M actions: a theme filter is a full scan (see internal/store/BENCHMARKS.md),
--   acceptable next to the cost of a child table on import.
-- * Territory codes: régions are "R"+INSEE code (domain.RegionCode). Communes
--   carry their departement and region, so "communes of a département" is an
--   index range on (departement, type), never LIKE '18%' on the code.
-- * action_territories lists the territory codes an action names (its zone
--   and its places), NOT expanded to communes: a département-wide zone would
--   otherwise cost ~300 rows per action (hundreds of millions of rows for the
--   national data set). The territory filter expands the *filter* instead: the
--   communes of the filtered territory plus every group (EPCI, perimeter,
--   département, région, parent commune) that contains one of them; each is an
--   index lookup on action_territories(territory_code, action_id).
-- * indicator_values is WITHOUT ROWID keyed (indicator, year, territory): the
--   order of the usual source files (one indicator and year at a time), so a
--   bulk load appends, and a map layer (one indicator, one year) is one range.
--   indicator_years lists the (indicator, year) pairs present so that reads by
--   territory probe the key year by year instead of needing a second 200 MB
--   index. No foreign keys on indicator_values: the store checks territory and
--   indicator codes in Go (10.5M parent probes saved on a national import).
-- * organisations: id 1 is the instance (domain.InstanceOrganisation); the
--   accounts migrations (0010+) extend it.

CREATE TABLE organisations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    actor_id   INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE data_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO data_version (id, version) VALUES (1, 1);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE referential_entries (
    kind           TEXT NOT NULL,
    code           TEXT NOT NULL,
    label          TEXT NOT NULL,
    need           TEXT NOT NULL DEFAULT '',
    data_inclusion TEXT NOT NULL DEFAULT '',
    position       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, code)
) WITHOUT ROWID;

CREATE TABLE territories (
    code        TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    name        TEXT NOT NULL,
    departement TEXT NOT NULL DEFAULT '',
    region      TEXT NOT NULL DEFAULT '',
    parent      TEXT NOT NULL DEFAULT '',
    siren       TEXT NOT NULL DEFAULT '',
    lat         REAL,
    lon         REAL,
    owner_org   INTEGER NOT NULL DEFAULT 1,
    visibility  TEXT NOT NULL DEFAULT 'public',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;
CREATE INDEX territories_departement ON territories (departement, type);
CREATE INDEX territories_region ON territories (region, type);
CREATE INDEX territories_type ON territories (type, code);
CREATE INDEX territories_parent ON territories (parent) WHERE parent <> '';

CREATE TABLE territory_members (
    group_code   TEXT NOT NULL REFERENCES territories (code) ON DELETE CASCADE,
    commune_code TEXT NOT NULL REFERENCES territories (code) ON DELETE CASCADE,
    PRIMARY KEY (group_code, commune_code)
) WITHOUT ROWID;
CREATE INDEX territory_members_commune ON territory_members (commune_code, group_code);

CREATE TABLE territory_aliases (
    code   TEXT PRIMARY KEY,
    target TEXT NOT NULL REFERENCES territories (code) ON DELETE CASCADE,
    name   TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX territory_aliases_target ON territory_aliases (target);

CREATE TABLE territory_geometries (
    code    TEXT PRIMARY KEY REFERENCES territories (code) ON DELETE CASCADE,
    geojson TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE indicators (
    code       TEXT PRIMARY KEY,
    label      TEXT NOT NULL,
    unit       TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL DEFAULT '',
    definition TEXT NOT NULL DEFAULT '',
    publics    TEXT NOT NULL DEFAULT '',
    owner_org  INTEGER NOT NULL DEFAULT 1,
    visibility TEXT NOT NULL DEFAULT 'public',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;

CREATE TABLE indicator_values (
    indicator TEXT NOT NULL,
    year      INTEGER NOT NULL,
    territory TEXT NOT NULL,
    value     REAL NOT NULL,
    PRIMARY KEY (indicator, year, territory)
) WITHOUT ROWID;

CREATE TABLE indicator_years (
    indicator TEXT NOT NULL,
    year      INTEGER NOT NULL,
    PRIMARY KEY (indicator, year)
) WITHOUT ROWID;

CREATE TABLE actors (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    external_id TEXT,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL,
    siren       TEXT NOT NULL DEFAULT '',
    siret       TEXT NOT NULL DEFAULT '',
    commune     TEXT NOT NULL DEFAULT '',
    territory   TEXT NOT NULL DEFAULT '',
    owner_org   INTEGER NOT NULL DEFAULT 1,
    visibility  TEXT NOT NULL DEFAULT 'network',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (source, external_id)
);
CREATE INDEX actors_type ON actors (type);
CREATE INDEX actors_commune ON actors (commune) WHERE commune <> '';

CREATE TABLE actions (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    external_id TEXT,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    operator_id INTEGER NOT NULL REFERENCES actors (id),
    themes      TEXT NOT NULL DEFAULT '',
    publics     TEXT NOT NULL DEFAULT '',
    labels      TEXT NOT NULL DEFAULT '',
    zone        TEXT NOT NULL DEFAULT '',
    places      TEXT NOT NULL DEFAULT '',
    capacity    REAL NOT NULL DEFAULT 0,
    start_date  TEXT,
    end_date    TEXT,
    status      TEXT NOT NULL DEFAULT 'active',
    owner_org   INTEGER NOT NULL DEFAULT 1,
    visibility  TEXT NOT NULL DEFAULT 'network',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (source, external_id)
);
CREATE INDEX actions_operator ON actions (operator_id);

CREATE TABLE action_territories (
    territory_code TEXT NOT NULL,
    action_id      INTEGER NOT NULL,
    PRIMARY KEY (territory_code, action_id)
) WITHOUT ROWID;
CREATE INDEX action_territories_action ON action_territories (action_id);

CREATE TABLE action_roles (
    action_id INTEGER NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    actor_id  INTEGER NOT NULL REFERENCES actors (id),
    role      TEXT NOT NULL,
    PRIMARY KEY (action_id, actor_id, role)
) WITHOUT ROWID;
CREATE INDEX action_roles_actor ON action_roles (actor_id);

CREATE TABLE fundings (
    id         INTEGER PRIMARY KEY,
    action_id  INTEGER NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    funder_id  INTEGER NOT NULL REFERENCES actors (id),
    year       INTEGER NOT NULL,
    amount     REAL NOT NULL,
    owner_org  INTEGER NOT NULL DEFAULT 1,
    visibility TEXT NOT NULL DEFAULT 'network',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    UNIQUE (action_id, funder_id, year)
);
CREATE INDEX fundings_funder ON fundings (funder_id, action_id);
