-- Invitations are records of their own: an id that is not a person's (and
-- not guessable), the department, role and invited address, who invited,
-- and when it was made, (re)sent, expires, was accepted or revoked. No
-- person exists until the invitation is accepted: accepting binds it to the
-- account of the address, or creates one. So inviting an address that has
-- an account in another department answers exactly as inviting a new one,
-- and never names that account.
CREATE TABLE invitations (
    id            text PRIMARY KEY CHECK (id ~ '^inv_[0-9a-f]{26}$'),
    -- seq names the invitation in the audit log (a number, as audit targets are).
    seq           bigserial NOT NULL UNIQUE,
    department_id bigint NOT NULL DEFAULT postbode_department() REFERENCES departments (id) ON DELETE CASCADE,
    email         text NOT NULL,
    name          text NOT NULL DEFAULT '',
    role          text NOT NULL,
    token_hash    bytea NOT NULL UNIQUE,
    invited_by    text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    accepted_at   timestamptz,
    accepted_by   bigint REFERENCES persons (id) ON DELETE SET NULL,
    revoked_at    timestamptz,
    CHECK (accepted_at IS NULL OR revoked_at IS NULL)
);
-- The open invitations of a department, and one address's; and every
-- invitation of an address (the access export and erasure find them so).
CREATE INDEX invitations_open_idx ON invitations (department_id, lower(email))
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE INDEX invitations_email_idx ON invitations (lower(email), department_id);
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
CREATE POLICY department ON invitations TO postbode_scoped
    USING (department_id = postbode_department()) WITH CHECK (department_id = postbode_department());

-- The invitation links made before: a join link (an account invited into
-- another department) becomes an invitation with the same token, so a
-- link already mailed keeps working.
INSERT INTO invitations (id, department_id, email, name, role, token_hash, invited_by, created_at, sent_at, expires_at)
SELECT 'inv_' || substr(encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex'), 1, 26),
       l.department_id, p.email, p.name, l.role, l.token_hash, l.created_by, l.created_at, l.created_at, l.expires_at
FROM person_links l JOIN persons p ON p.id = l.person_id
WHERE l.kind = 'join' AND l.used_at IS NULL AND l.expires_at > now() AND l.password_gen = p.password_gen
    AND p.status = 'active';

-- A person invited before, who never chose a password, becomes an
-- invitation per department they were given (the pending link's token on
-- the first, so it keeps working; an expired one can be sent again), and
-- the person, who never signed in, goes.
INSERT INTO invitations (id, department_id, email, name, role, token_hash, invited_by, created_at, sent_at, expires_at)
SELECT 'inv_' || substr(encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex'), 1, 26),
       m.department_id, p.email, p.name, r.name,
       CASE WHEN m.department_id = first.department_id AND l.token_hash IS NOT NULL THEN l.token_hash
            ELSE sha256(convert_to(gen_random_uuid()::text || p.id || m.department_id, 'UTF8')) END,
       COALESCE(l.created_by, ''), p.created_at, COALESCE(l.created_at, p.created_at), COALESCE(l.expires_at, now())
FROM persons p
JOIN memberships m ON m.person_id = p.id
JOIN roles r ON r.id = m.role_id
JOIN LATERAL (SELECT min(department_id) AS department_id FROM memberships WHERE person_id = p.id) first ON true
LEFT JOIN LATERAL (SELECT token_hash, created_by, created_at, expires_at FROM person_links
    WHERE person_id = p.id AND kind = 'invite' AND used_at IS NULL AND password_gen = p.password_gen
    ORDER BY id DESC LIMIT 1) l ON true
WHERE p.status = 'invited' AND p.password_hash = '';
UPDATE departments SET main_person_id = NULL
WHERE main_person_id IN (SELECT id FROM persons WHERE status = 'invited' AND password_hash = '');
DELETE FROM persons WHERE status = 'invited' AND password_hash = '';
UPDATE person_links SET used_at = now() WHERE kind = 'join' AND used_at IS NULL;

-- Audit entries for an invitation's life.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN ('erase', 'export', 'bulk-read',
    'retention-run', 'retention-preview', 'report', 'request-fulfil', 'request-verified',
    'request-mailed', 'request-reject', 'segment',
    'login', 'login-failed', 'logout', 'session-revoke', 'person-invite', 'person-create',
    'person-activate', 'person-disable', 'password-reset', 'totp-enable', 'membership-set',
    'membership-remove', 'role-create', 'role-change', 'department-create', 'department-change',
    'token-create', 'token-revoke', 'contact-create', 'contact-change', 'list-change', 'campaign-change',
    'setting-change', 'bulk-export', 'totp-disable', 'password-reset-link',
    'invitation-resend', 'invitation-revoke', 'invitation-accept'));
ALTER TABLE audit_log DROP CONSTRAINT audit_log_target_kind_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_target_kind_check CHECK (target_kind IN ('contact', 'contacts',
    'report', 'request', 'person', 'role', 'department', 'session', 'token', 'list', 'campaign', 'setting',
    'invitation'));
