-- Legal holds, hidden attributes, the data-breach register and processor
-- agreements belong to a department, like contacts and lists: staff see and
-- change only their own department's (row-level security, as for the other
-- owned tables), and a hold on every contact holds every contact of its
-- department only.

ALTER TABLE legal_holds ADD COLUMN department_id bigint NOT NULL DEFAULT postbode_department() REFERENCES departments (id);
UPDATE legal_holds h SET department_id = c.department_id FROM contacts c WHERE c.id = h.contact_id;
-- A hold on every contact placed before held every department's contacts:
-- it goes on doing so, as one hold per department.
INSERT INTO legal_holds (contact_id, reason, until, created_by, created_at, released_at, released_by, department_id)
    SELECT NULL, h.reason, h.until, h.created_by, h.created_at, h.released_at, h.released_by, d.id
    FROM legal_holds h CROSS JOIN departments d WHERE h.contact_id IS NULL AND d.id <> h.department_id;
CREATE INDEX legal_holds_department_idx ON legal_holds (department_id) WHERE contact_id IS NULL AND released_at IS NULL;

-- A key hidden before was hidden in every department: it stays so.
ALTER TABLE hidden_attributes ADD COLUMN department_id bigint NOT NULL DEFAULT postbode_department() REFERENCES departments (id);
ALTER TABLE hidden_attributes DROP CONSTRAINT hidden_attributes_pkey;
ALTER TABLE hidden_attributes ADD PRIMARY KEY (department_id, key);
INSERT INTO hidden_attributes (key, reason, hidden_by, hidden_at, department_id)
    SELECT h.key, h.reason, h.hidden_by, h.hidden_at, d.id FROM hidden_attributes h CROSS JOIN departments d
    WHERE d.id <> h.department_id;

-- Breaches and agreements recorded before were the default department's.
ALTER TABLE data_breaches ADD COLUMN department_id bigint NOT NULL DEFAULT postbode_department() REFERENCES departments (id);
ALTER TABLE processor_agreements ADD COLUMN department_id bigint NOT NULL DEFAULT postbode_department() REFERENCES departments (id);
CREATE INDEX data_breaches_department_idx ON data_breaches (department_id, id);
CREATE INDEX processor_agreements_department_idx ON processor_agreements (department_id, id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['hidden_attributes', 'data_breaches', 'processor_agreements'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY department ON %I TO postbode_scoped USING (department_id = postbode_department()) WITH CHECK (department_id = postbode_department())', t);
    END LOOP;
END $$;
-- A hold names a contact of its own department (or none: every contact).
ALTER TABLE legal_holds ENABLE ROW LEVEL SECURITY;
CREATE POLICY department ON legal_holds TO postbode_scoped
    USING (department_id = postbode_department())
    WITH CHECK (department_id = postbode_department()
                AND (contact_id IS NULL OR EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id)));
