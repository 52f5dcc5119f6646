-- The aggregate SQL a département page would need without the analysis snapshot
-- (docs/analysis.md, "Performance"): supply of the parentalité actions active in
-- 2024 by commune of the Cher, zones expanded to their communes, and 2024 funding by
-- funder of the actions touching it. Run on the national SQLite database:
--   sqlite3 /tmp/nat/national.db < internal/analysis/testdata/departement_equivalent.sql
.timer on
WITH c AS (SELECT code, departement, region FROM territories WHERE type = 'commune' AND departement = '18'),
z AS (SELECT c.code AS commune, t.action_id FROM c JOIN action_territories t ON t.territory_code = c.code
      UNION ALL
      SELECT c.code, t.action_id FROM c JOIN territory_members m ON m.commune_code = c.code JOIN action_territories t ON t.territory_code = m.group_code
      UNION ALL
      SELECT c.code, t.action_id FROM c JOIN action_territories t ON t.territory_code IN (c.departement, c.region))
SELECT count(*), sum(n), sum(cap) FROM (SELECT z.commune, count(*) AS n, sum(a.capacity) AS cap FROM z JOIN actions a ON a.id = z.action_id
  WHERE a.themes LIKE '%|parentalite|%' AND (a.start_date IS NULL OR a.start_date <= '2024-12-31') AND (a.end_date IS NULL OR a.end_date >= '2024-01-01') GROUP BY z.commune);
SELECT count(*), sum(s) FROM (SELECT f.funder_id, sum(f.amount) AS s FROM fundings f WHERE f.year = 2024 AND f.action_id IN (
  SELECT t.action_id FROM action_territories t WHERE t.territory_code IN (
    SELECT code FROM territories WHERE type = 'commune' AND departement = '18'
    UNION SELECT m.group_code FROM territory_members m JOIN territories c ON c.code = m.commune_code WHERE c.departement = '18'
    UNION SELECT '18' UNION SELECT 'R24'))
  GROUP BY f.funder_id);
