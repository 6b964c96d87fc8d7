-- Evidence tied to no contact keeps the address it names and the diagnostic
-- (which may quote it) after bounces.raw_retention deleted the raw mail it
-- was read from. The raw-mail expiry now clears such rows of the same age,
-- with the one rule erasure uses (migration 210): postbode_clear_evidence
-- nulls the address and resets the diagnostic of the given rows that are
-- tied to no contact, and only those.
CREATE FUNCTION postbode_clear_evidence(ids bigint[]) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH cleared AS (
        UPDATE bounces SET recipient = NULL, diagnostic = DEFAULT
        WHERE id = ANY (ids) AND contact_id IS NULL
        RETURNING 1)
    SELECT count(*) FROM cleared
$$;
REVOKE ALL ON FUNCTION postbode_clear_evidence(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION postbode_clear_evidence(bigint[]) TO postbode_scoped;

CREATE OR REPLACE FUNCTION postbode_erase_evidence(emails text[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT postbode_clear_evidence(ARRAY(
        SELECT id FROM bounces WHERE contact_id IS NULL AND lower(recipient) = ANY (emails)))
$$;

-- The expiry finds the uncleared evidence by age.
CREATE INDEX bounces_evidence_age_idx ON bounces (created_at)
    WHERE contact_id IS NULL AND (recipient IS NOT NULL OR diagnostic <> '');
