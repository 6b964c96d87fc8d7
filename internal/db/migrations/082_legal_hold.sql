-- Legal holds: a contact (or every contact, contact_id NULL) that must be
-- kept for a legal reason (GDPR art. 17(3)(b), (e): a legal obligation, a
-- legal claim) until a date. Retention, purges and erasure skip a contact
-- while a hold is active (not released, until in the future) and say why.
CREATE TABLE legal_holds (
    id          bigserial PRIMARY KEY,
    contact_id  bigint REFERENCES contacts (id) ON DELETE CASCADE,
    reason      text NOT NULL CHECK (reason <> ''),
    until       timestamptz NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    released_at timestamptz,
    released_by text NOT NULL DEFAULT ''
);
CREATE INDEX legal_holds_active_idx ON legal_holds (contact_id) WHERE released_at IS NULL;

