-- Site identity (issue 9): a site is one site whatever its spelling, pays a
-- partner once and has one owner. Existing rows are keyed as siteIdentity in
-- src/domain/sites.ts keys them (test/integration/site-identity-migration.test.ts
-- compares the two), duplicates are merged under their key, and every payment
-- that should not have happened is reversed by an entry that says why.

-- A row holds its site's `owner_url` while it is the owner's live claim; unique, so a site has one owner.
ALTER TABLE "sites" ADD COLUMN "owner_url" TEXT;
CREATE UNIQUE INDEX "sites_owner_url_key" ON "sites"("owner_url");

-- Stored spellings are `scheme://host[:port]/path` with a lower-case punycode host (the old
-- normalizeSiteUrl). The path-site hosts are the default pack's (src/programs/wix.yaml).
CREATE TEMPORARY TABLE "site_keys" AS
WITH split AS (
  SELECT id, member_id, url, role, state, submitted_at,
         regexp_replace(lower(split_part(regexp_replace(url, '^[A-Za-z]+://', ''), '/', 1)), ':[0-9]*$', '') AS with_dot,
         lower(split_part(regexp_replace(url, '^[A-Za-z]+://', ''), '/', 2)) AS segment
  FROM "sites"
), hosts AS (
  SELECT *, regexp_replace(with_dot, '\.$', '') AS host FROM split
), named AS (
  SELECT *, CASE WHEN host ~ '^www\.[^.]+\.' THEN substr(host, 5) ELSE host END AS site_host FROM hosts
), typed AS (
  SELECT *, (site_host ~ '.\.wixsite\.com$' OR site_host IN ('editorx.io', 'wixstudio.io')) AS path_site FROM named
)
SELECT id, member_id, url, role, state, submitted_at,
       CASE WHEN path_site THEN site_host || '/' || segment ELSE site_host END AS key,
       length(host) <= 253
         AND host ~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})$'
         AND host !~ '\.localhost$'
         AND (NOT path_site OR segment ~ '^[a-z0-9][a-z0-9_-]{0,99}$') AS valid
FROM typed;

-- What happens to each row that must stop paying. A partner keeps one row per site: what a
-- moderator decided stands (removed as contributor, then premium lapsed: a spelling submitted
-- around it does not undo it), then the active row, the owner's, the first submitted.
-- A site keeps its first owner.
CREATE TEMPORARY TABLE "site_fate" AS
WITH ranked AS (
  SELECT *, row_number() OVER (PARTITION BY member_id, key ORDER BY CASE state WHEN 'removed' THEN 0 WHEN 'lapsed' THEN 1 WHEN 'active' THEN 2 ELSE 3 END, (role = 'owner') DESC, submitted_at, id) AS nth
  FROM "site_keys" WHERE valid
), owners AS (
  SELECT *, row_number() OVER (PARTITION BY key ORDER BY submitted_at, id) AS claim
  FROM ranked WHERE nth = 1 AND role = 'owner' AND state IN ('active', 'lapsed', 'reactivated')
)
SELECT id, 'invalid' AS fate, 'not a valid site address: ' || url AS reason FROM "site_keys" WHERE NOT valid
UNION ALL
SELECT id, 'duplicate', 'duplicate of site https://' || key || ' merged (submitted as ' || url || ')' FROM ranked WHERE nth > 1
UNION ALL
SELECT id, 'disowned', 'another partner owns https://' || key || ' (claimed first); a moderator can /site transfer it' FROM owners WHERE claim > 1;

-- Each unreversed site payment of those rows is undone, net of what an accepted dispute already corrected.
WITH due AS (
  SELECT e.id, e.member_id, e.reference, f.reason,
         e.delta + COALESCE((SELECT SUM(c.delta) FROM "points_disputes" d JOIN "ledger_entries" c ON c.reference = 'dispute:' || d.id
                             WHERE d.entry_id = e.id AND d.state = 'accepted'), 0) AS still_counts
  FROM "site_fate" f JOIN "ledger_entries" e ON e.reference = 'site:' || f.id AND e.kind = 'site'
  WHERE NOT EXISTS (SELECT 1 FROM "ledger_entries" r WHERE r.reverses_id = e.id)
), reversed AS (
  INSERT INTO "ledger_entries" (member_id, delta, kind, reason, actor, reference, reverses_id, idempotency_key, created_at)
  SELECT member_id, -still_counts, 'reversal', reason, 'system', reference, id, 'reverse:' || id, now()
  FROM due WHERE still_counts > 0 ORDER BY id
  RETURNING member_id, delta
)
UPDATE "balances" b SET points = b.points + r.delta, updated_at = now()
FROM (SELECT member_id, SUM(delta) AS delta FROM reversed GROUP BY member_id) r
WHERE b.member_id = r.member_id;

DELETE FROM "sites" WHERE id IN (SELECT id FROM "site_fate" WHERE fate = 'duplicate');
UPDATE "sites" SET state = 'removed', state_changed_at = now() WHERE id IN (SELECT id FROM "site_fate" WHERE fate = 'invalid');
UPDATE "sites" SET state = 'disowned', state_changed_at = now() WHERE id IN (SELECT id FROM "site_fate" WHERE fate = 'disowned');
UPDATE "sites" s SET url = 'https://' || k.key FROM "site_keys" k WHERE k.id = s.id AND k.valid;
UPDATE "sites" SET owner_url = url WHERE role = 'owner' AND state IN ('active', 'lapsed', 'reactivated');

DROP TABLE "site_fate";
DROP TABLE "site_keys";
