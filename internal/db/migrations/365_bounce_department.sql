-- A bounce of a contact is that contact's department's, also after
-- erasure took the link. The shared inbound listener (system work) filed
-- every row under the default department, so when another department
-- erased its contact, the anonymised row (no contact, no campaign) fell
-- to the default department: row-level security refused the erasure's
-- write, and had it not, the default department would have seen the
-- other's statistics. Rows are now filed under their contact's
-- department, else their campaign's (bounces.insertBounce); only evidence
-- tied to neither keeps the department of the intake that received it.
UPDATE bounces b SET department_id = c.department_id
FROM contacts c WHERE c.id = b.contact_id AND b.department_id <> c.department_id;
UPDATE bounces b SET department_id = m.department_id
FROM campaigns m WHERE b.contact_id IS NULL AND m.id = b.campaign_id AND b.department_id <> m.department_id;

-- With every linked row in its own department, a scoped write again keeps
-- the row in the writer's department (as before migration 340, which let a
-- department change its contact's row filed under the default one).
DROP POLICY department ON bounces;
CREATE POLICY department ON bounces TO postbode_scoped
    USING (EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id) OR EXISTS (SELECT 1 FROM campaigns c WHERE c.id = campaign_id)
           OR (contact_id IS NULL AND campaign_id IS NULL AND department_id = postbode_department()))
    WITH CHECK (department_id = postbode_department()
                AND (contact_id IS NULL OR EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id))
                AND (campaign_id IS NULL OR EXISTS (SELECT 1 FROM campaigns c WHERE c.id = campaign_id)));
