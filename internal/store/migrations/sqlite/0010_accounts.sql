-- 0010_accounts (SQLite): people, memberships, invitations, sessions, API
-- tokens, partnerships, login throttling and the append-only audit log.
-- Owned by the accounts work (internal/auth); kept identical in spirit with
-- migrations/postgres/0010_accounts.sql. Secrets (session ids, invitation
-- and API tokens) are stored only as their SHA-256 in hex.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL,           -- lower-case (domain.NormalizeEmail)
    name          TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '', -- argon2id PHC string; '' until set
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    last_login_at TEXT,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE memberships (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id     INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, org_id)
) WITHOUT ROWID;
CREATE INDEX memberships_org ON memberships (org_id, user_id);

CREATE TABLE invitations (
    id         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL,
    org_id     INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX invitations_email ON invitations (email);

CREATE TABLE sessions (
    id_hash          TEXT PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id           INTEGER NOT NULL,
    csrf             TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    last_seen        TEXT NOT NULL,
    idle_expires     TEXT NOT NULL,
    absolute_expires TEXT NOT NULL,
    address          TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (idle_expires);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id     INTEGER NOT NULL,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    last_used  TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Symmetric: stored once with org_a < org_b.
CREATE TABLE partnerships (
    org_a      INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    org_b      INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_a, org_b),
    CHECK (org_a < org_b)
) WITHOUT ROWID;
CREATE INDEX partnerships_b ON partnerships (org_b, org_a);

CREATE TABLE login_attempts (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_failure TEXT NOT NULL,
    locked_until TEXT NOT NULL
) WITHOUT ROWID;

-- Append-only: the store has no UPDATE or DELETE on it, and these triggers
-- refuse them from anywhere else.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    user_id   INTEGER NOT NULL DEFAULT 0,
    org_id    INTEGER NOT NULL DEFAULT 0,
    via       TEXT NOT NULL DEFAULT '',
    action    TEXT NOT NULL,
    kind      TEXT NOT NULL,
    record_id TEXT NOT NULL DEFAULT '',
    before    TEXT,
    after     TEXT,
    address   TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (user_id, id);
CREATE INDEX audit_log_record ON audit_log (kind, record_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
