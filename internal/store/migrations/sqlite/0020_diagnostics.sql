-- 0020_diagnostics (SQLite): shared diagnostics, governance bodies, conventions.
--
-- Every table has the same shape: the record's id, the ids that place it
-- (scope_id: the diagnostic, body or convention it belongs to; parent_id: its
-- direct parent: activity, finding, restitution, meeting or fiche; org_id: the
-- organisation it concerns, for positions, votes and decisions), domain.Meta
-- (owner_org, visibility, created_at, updated_at, version for optimistic
-- concurrency) and doc, the record as JSON (its lists — participants, stage
-- moves, evidence, reviews, members, fiches' budget and indicators — are read
-- and written whole with their record, never queried inside). Lists of these
-- records are small (hundreds per territory), so filters other than the
-- scope are applied in Go. Children are deleted with their scope by the store
-- (no foreign keys: scope_id is 0 for roots). Same tables in both dialects.

-- diagnostics: a shared diagnostic (scope_id 0)
CREATE TABLE diagnostics (
    id         INTEGER PRIMARY KEY,
    scope_id   INTEGER NOT NULL DEFAULT 0,
    parent_id  INTEGER NOT NULL DEFAULT 0,
    org_id     INTEGER NOT NULL DEFAULT 0,
    owner_org  INTEGER NOT NULL DEFAULT 1,
    visibility TEXT NOT NULL DEFAULT 'partners',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    doc        TEXT NOT NULL
);
CREATE INDEX diagnostics_scope ON diagnostics (scope_id, parent_id);

-- diagnostic_portraits: frozen data portraits (scope: diagnostic)
CREATE TABLE diagnostic_portraits (
    id         INTEGER PRIMARY KEY,
    scope_id   INTEGER NOT NULL DEFAULT 0,
    parent_id  INTEGER NOT NULL DEFAULT 0,
    org_id     INTEGER NOT NULL DEFAULT 0,
    owner_org  INTEGER NOT NULL DEFAULT 1,
    visibility TEXT NOT NULL DEFAULT 'partners',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    doc        TEXT NOT NULL
);
CREATE INDEX diagnostic_portraits_scope ON diagnostic_portraits (scope_id, parent_id);

-- diagnostic_activities: fieldwork (scope: diagnostic)
CREATE TABLE diagnostic_activities (
    id         INTEGER PRIMARY KEY,
    scope_id   INTEGER NOT NULL DEFAULT 0,
    parent_id  INTEGER NOT NULL DEFAULT 0,
    org_id     INTEGER NOT NULL DEFAULT 0,
    owner_org  INTEGER NOT NULL DEFAULT 1,
    visibility TEXT NOT NULL DEFAULT 'partners',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    doc        TEXT NOT NULL
);
CREATE INDEX diagnostic_activities_scope ON diagnostic_activities (scope_id, parent_id);

-- diagnostic_attachments: files of activities (scope: diagnostic, parent: activity)
CREATE TABLE diagnostic_attachments (
    id         INTEGER PRIMARY KEY,
    scope_id   INTEGER NOT NULL DEFAULT 0,
    parent_id  INTEGER NOT NULL DEFAULT 0,
    org_id     INTEGER NOT NULL DEFAULT 0,
    owner_org  INTEGER NOT NULL DEFAULT 1,
    visibility TEXT NOT NULL DEFAULT 'partners',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    doc        TEXT NOT NULL,
    content    BLOB NOT NULL
);
CREATE INDEX diagnostic_attachments_scope ON diagnostic_attachments (scope_id, parent_id);

-- diagnostic_findings: findings (scope: diagnostic)
CREATE TABLE diagnostic_findings (
    id         INTEGER PRIMARY KEY,
    scope_id   INTEGER NOT NULL DEFAULT 0,
    parent_id  INTEGER NOT NULL DEFAULT 0,
    org_id     INTEGER NOT NULL DEFAULT 0,
    owner_org  INTEGER NOT NULL DEFAULT 1,
    visibility TEXT NOT NULL DEFAULT 'partners',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    doc        TEXT NOT NULL
);
CREATE INDEX diagnostic_findings_scope ON diagnostic_findings (scope_id, parent_id);

-- diagnostic_positions: positions, append-only history (scope: diagnostic, parent: finding, org: who)
CREATE TABLE diagnostic_positions (
    id         INTEGER PRIMARY KEY,
    scope_id   INTEGER NOT NULL DEFAULT 0,
    parent_id  INTEGER NOT NULL DEFAULT 0,
    org_id     INTEGER NOT NULL DEFAULT 0,
    owner_org  INTEGER NOT NULL DEFAULT 1,
    visibility TEXT NOT NULL DEFAULT 'partners',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    doc        TEXT NOT NULL
);
CREATE INDEX diagnostic_positions_scope ON diagnostic_positions (scope_id, parent_id);

-- diagnostic_restitutions: restitution-debates with reviews and candidate priorities (scope: diagnostic)
CREATE TABLE diagnostic_restitutions (
    id         INTEGER PRIMARY KEY,
    scope_id   INTEGER NOT NULL DEFAULT 0,
    parent_id  INTEGER NOT NULL DEFAULT 0,
    org_id     INTEGER NOT NULL DEFAULT 0,
    owner_org  INTEGER NOT NULL DEFAULT 1,
    visibility TEXT NOT NULL DEFAULT 'partners',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    doc        TEXT NOT NULL
);
CREATE INDEX diagnostic_restitutions_scope ON diagnostic_restitutions (scope_id, parent_id);

-- diagnostic_votes: priority votes, one per organisation and restitution (scope: diagnostic, parent: restitution)
CREATE TABLE diagnostic_votes (
    id         INTEGER PRIMARY KEY,
    scope_id   INTEGER NOT NULL DEFAULT 0,
    parent_id  INTEGER NOT NULL DEFAULT 0,
    org_id     INTEGER NOT NULL DEFAULT 0,
    owner_org  INTEGER NOT NULL DEFAULT 1,
    visibility TEXT NOT NULL DEFAULT 'partners',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    doc        TEXT NOT NULL
);
CREATE INDEX diagnostic_votes_scope ON diagnostic_votes (scope_id, parent_id);

-- gov_bodies: governance bodies (scope_id 0)
CREATE TABLE gov_bodies (
    id         INTEGER PRIMARY KEY,
    scope_id   INTEGER NOT NULL DEFAULT 0,
    parent_id  INTEGER NOT NULL DEFAULT 0,
    org_id     INTEGER NOT NULL DEFAULT 0,
    owner_org  INTEGER NOT NULL DEFAULT 1,
    visibility TEXT NOT NULL DEFAULT 'partners',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    doc        TEXT NOT NULL
);
CREATE INDEX gov_bodies_scope ON gov_bodies (scope_id, parent_id);

-- gov_meetings: meetings (scope: body)
CREATE TABLE gov_meetings (
    id         INTEGER PRIMARY KEY,
    scope_id   INTEGER NOT NULL DEFAULT 0,
    parent_id  INTEGER NOT NULL DEFAULT 0,
    org_id     INTEGER NOT NULL DEFAULT 0,
    owner_org  INTEGER NOT NULL DEFAULT 1,
    visibility TEXT NOT NULL DEFAULT 'partners',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    doc        TEXT NOT NULL
);
CREATE INDEX gov_meetings_scope ON gov_meetings (scope_id, parent_id);

-- gov_decisions: decisions (scope: body, parent: meeting, org: owner)
CREATE TABLE gov_decisions (
    id         INTEGER PRIMARY KEY,
    scope_id   INTEGER NOT NULL DEFAULT 0,
    parent_id  INTEGER NOT NULL DEFAULT 0,
    org_id     INTEGER NOT NULL DEFAULT 0,
    owner_org  INTEGER NOT NULL DEFAULT 1,
    visibility TEXT NOT NULL DEFAULT 'partners',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    doc        TEXT NOT NULL
);
CREATE INDEX gov_decisions_scope ON gov_decisions (scope_id, parent_id);

-- conventions: conventions (scope_id 0)
CREATE TABLE conventions (
    id         INTEGER PRIMARY KEY,
    scope_id   INTEGER NOT NULL DEFAULT 0,
    parent_id  INTEGER NOT NULL DEFAULT 0,
    org_id     INTEGER NOT NULL DEFAULT 0,
    owner_org  INTEGER NOT NULL DEFAULT 1,
    visibility TEXT NOT NULL DEFAULT 'partners',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    doc        TEXT NOT NULL
);
CREATE INDEX conventions_scope ON conventions (scope_id, parent_id);

-- convention_fiches: fiches action (scope: convention)
CREATE TABLE convention_fiches (
    id         INTEGER PRIMARY KEY,
    scope_id   INTEGER NOT NULL DEFAULT 0,
    parent_id  INTEGER NOT NULL DEFAULT 0,
    org_id     INTEGER NOT NULL DEFAULT 0,
    owner_org  INTEGER NOT NULL DEFAULT 1,
    visibility TEXT NOT NULL DEFAULT 'partners',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    doc        TEXT NOT NULL
);
CREATE INDEX convention_fiches_scope ON convention_fiches (scope_id, parent_id);

-- convention_measurements: indicator measurements (scope: convention, parent: fiche)
CREATE TABLE convention_measurements (
    id         INTEGER PRIMARY KEY,
    scope_id   INTEGER NOT NULL DEFAULT 0,
    parent_id  INTEGER NOT NULL DEFAULT 0,
    org_id     INTEGER NOT NULL DEFAULT 0,
    owner_org  INTEGER NOT NULL DEFAULT 1,
    visibility TEXT NOT NULL DEFAULT 'partners',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    doc        TEXT NOT NULL
);
CREATE INDEX convention_measurements_scope ON convention_measurements (scope_id, parent_id);
CREATE UNIQUE INDEX diagnostic_votes_org ON diagnostic_votes (parent_id, org_id);
CREATE INDEX diagnostic_positions_parent ON diagnostic_positions (parent_id, org_id, id);
