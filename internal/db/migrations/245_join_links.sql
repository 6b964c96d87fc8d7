-- An invitation to a department for an address that already has an
-- account (in another department) is a 'join' link: it names the
-- department and role, and adds the membership when the account's owner
-- accepts it with their password. The inviting administrator gets the same
-- answer as for a new address, so an invitation does not tell them which
-- addresses have accounts elsewhere.
ALTER TABLE person_links DROP CONSTRAINT person_links_kind_check;
ALTER TABLE person_links ADD CONSTRAINT person_links_kind_check CHECK (kind IN ('invite', 'reset', 'join'));
ALTER TABLE person_links ADD COLUMN department_id bigint REFERENCES departments (id) ON DELETE CASCADE;
ALTER TABLE person_links ADD COLUMN role text;
ALTER TABLE person_links ADD CONSTRAINT person_links_join_check
    CHECK ((kind = 'join') = (department_id IS NOT NULL AND role IS NOT NULL));
