-- Records created in Maillage (API, web) get their id as external id, a
-- stable natural key: an export writes them as maillage:<id>, and the
-- import of that export updates them in place through the bulk upsert,
-- which keys records by (source, external_id).
UPDATE actors SET external_id = CAST(id AS TEXT) WHERE source = 'maillage' AND external_id IS NULL;
UPDATE actions SET external_id = CAST(id AS TEXT) WHERE source = 'maillage' AND external_id IS NULL;
