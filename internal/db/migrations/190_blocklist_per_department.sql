-- The blocklist is per department: each department keeps, sees and lifts
-- its own entries, and a campaign is checked against its own department's
-- entries only. One address may be on the blocklist of several departments.
ALTER TABLE blocklist DROP CONSTRAINT blocklist_pkey;
ALTER TABLE blocklist ADD PRIMARY KEY (department_id, email_hash);

-- Entries written before by system work (a complaint) all landed in the
-- default department, while the same work marked the address's contacts
-- blocklisted in every department. Each department whose contact with that
-- address is marked blocklisted gets its own copy of the entry, so that
-- contact stays suppressed and its department can lift it. The default
-- department's entry then goes when it has no contact with the address
-- and the entry came from system work (reason complaint or hard-bounce):
-- it was only ever meant for the departments the address belongs to.
-- Hash-only entries (an erased contact's suppression) stay where they are:
-- nothing tells which department they were meant for, and keeping one
-- suppresses more, never less.
INSERT INTO blocklist (department_id, email_hash, email, reason, note, created_at)
SELECT DISTINCT ON (c.department_id, b.email_hash) c.department_id, b.email_hash, b.email, b.reason, b.note, b.created_at
FROM blocklist b
JOIN contacts c ON lower(c.email) = lower(b.email) AND c.status = 'blocklisted' AND c.department_id <> b.department_id
WHERE b.email IS NOT NULL
ORDER BY c.department_id, b.email_hash, b.created_at
ON CONFLICT (department_id, email_hash) DO NOTHING;
DELETE FROM blocklist b
WHERE b.department_id = 1 AND b.email IS NOT NULL AND b.reason IN ('complaint', 'hard-bounce')
  AND NOT EXISTS (SELECT 1 FROM contacts c WHERE lower(c.email) = lower(b.email) AND c.department_id = 1)
  AND EXISTS (SELECT 1 FROM blocklist o WHERE o.email_hash = b.email_hash AND o.department_id <> 1);

-- Bounce evidence names the department whose intake received it: a
-- department's generic webhook files uncorrelated and unauthenticated
-- reports under that department; the shared inbound listener and the SNS
-- webhook under the default department, as before.
ALTER TABLE bounces ADD COLUMN department_id bigint NOT NULL DEFAULT postbode_department();
DROP POLICY department ON bounces;
CREATE POLICY department ON bounces TO postbode_scoped
    USING (EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id) OR EXISTS (SELECT 1 FROM campaigns c WHERE c.id = campaign_id)
           OR (contact_id IS NULL AND campaign_id IS NULL AND department_id = postbode_department()))
    WITH CHECK (department_id = postbode_department()
                AND (contact_id IS NULL OR EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id))
                AND (campaign_id IS NULL OR EXISTS (SELECT 1 FROM campaigns c WHERE c.id = campaign_id)));
