-- Erasure finds bounce evidence tied to no contact by the address it names
-- (internal/db/personal.go), as it finds raw inbound mail. The shared
-- inbound listener files that evidence under the default department, where
-- row-level security hid it from an erasure made by another department's
-- staff: the raw message went, the address it named stayed. This function,
-- owned by the migrating role, reaches such evidence from any scope. It can
-- only take data away: the address and the diagnostic (which may quote it)
-- of uncorrelated evidence naming one of the given lower-cased addresses.
CREATE FUNCTION postbode_erase_evidence(emails text[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE bounces SET recipient = NULL, diagnostic = DEFAULT
    WHERE contact_id IS NULL AND lower(recipient) = ANY (emails)
$$;
REVOKE ALL ON FUNCTION postbode_erase_evidence(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION postbode_erase_evidence(text[]) TO postbode_scoped;
