-- Privacy: the append-only audit log of staff actions on personal data.
-- It holds who did what, when, to what kind of target and how many — never
-- an address, name or other personal data of the subjects.

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    action      text NOT NULL CHECK (action IN ('erase', 'export', 'bulk-read', 'retention-run', 'retention-preview',
                                                'report', 'request-fulfil', 'request-verified')),
    target_kind text NOT NULL CHECK (target_kind IN ('contact', 'contacts', 'report', 'request')),
    -- target_id is a contact or request id, for single-target reads; never set
    -- for an erasure (the erased contact is gone).
    target_id   bigint,
    count       bigint NOT NULL DEFAULT 0,
    -- cause: why (erasure cause, report name, export format); a fixed vocabulary.
    cause       text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at_idx ON audit_log (at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The janitor finds one-star contacts by one_star_since (index from 001).
