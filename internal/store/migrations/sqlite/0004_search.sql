-- Free-text search that ignores case and accents, the same on SQLite and
-- PostgreSQL: each searched record keeps domain.SearchFold of its searched
-- fields in `search` (actions: title and description; actors: name, SIREN,
-- SIRET and external id; territories: code and name; fields separated by a
-- tab, which a folded query never contains), written by the store on
-- every create, update and bulk load, and text filters are
-- `search LIKE '%<folded text>%'`. Folding happens in Go: neither database
-- strips accents the same way (SQLite's LIKE folds ASCII case only).
--
-- Rows whose search is '' (all of them right after this migration, or after
-- a later migration that empties the column because the folding changed)
-- are filled in Go when the store opens (sqldb.BackfillSearch), in batches;
-- the partial indexes below find them, and are empty the rest of the time,
-- so that the check at each start is one index probe.
ALTER TABLE actions ADD COLUMN search TEXT NOT NULL DEFAULT '';
ALTER TABLE actors ADD COLUMN search TEXT NOT NULL DEFAULT '';
ALTER TABLE territories ADD COLUMN search TEXT NOT NULL DEFAULT '';
CREATE INDEX actions_search_pending ON actions (id) WHERE search = '';
CREATE INDEX actors_search_pending ON actors (id) WHERE search = '';
CREATE INDEX territories_search_pending ON territories (code) WHERE search = '';
