-- Privacy requests of data subjects (GDPR art. 15 access, art. 17 erasure),
-- recorded once the address is verified, with the one-month deadline of
-- art. 12(3). Erasure of the contact anonymises the row (contact link, IP
-- and user agent nulled): the request, its status and dates stay as proof
-- that it was answered in time.

CREATE TABLE privacy_requests (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('access', 'erasure')),
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'rejected')),
    -- via: how the address was proven: a verification mail ('form') or a
    -- link in a mail postbode sent the contact ('link').
    via          text NOT NULL CHECK (via IN ('form', 'link')),
    contact_id   bigint REFERENCES contacts (id) ON DELETE SET NULL,
    -- token_hash makes confirming the same verification link idempotent.
    token_hash   bytea UNIQUE,
    ip           inet,
    user_agent   text,
    lang         text NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'nl')),
    verified_at  timestamptz NOT NULL DEFAULT now(),
    due_at       timestamptz NOT NULL,
    closed_at    timestamptz,
    closed_by    text NOT NULL DEFAULT '',
    -- note: why it was rejected, or what was done; staff text, no subject data.
    note         text NOT NULL DEFAULT ''
);
CREATE INDEX privacy_requests_open_idx ON privacy_requests (due_at) WHERE status = 'open';
CREATE INDEX privacy_requests_contact_idx ON privacy_requests (contact_id) WHERE contact_id IS NOT NULL;

-- Erasure finds blocklist rows by address: index it like contacts.email.
CREATE INDEX blocklist_email_idx ON blocklist (lower(email)) WHERE email IS NOT NULL;

-- New audit actions: a verification mail sent, a request rejected, a segment
-- drawn from a report.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN ('erase', 'export', 'bulk-read',
    'retention-run', 'retention-preview', 'report', 'request-fulfil', 'request-verified',
    'request-mailed', 'request-reject', 'segment'));
