-- Audit action for a refused claim of a From domain (another department
-- owns it, or sends from it).
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN ('erase', 'export', 'bulk-read',
    'retention-run', 'retention-preview', 'report', 'request-fulfil', 'request-verified',
    'request-mailed', 'request-reject', 'segment',
    'login', 'login-failed', 'logout', 'session-revoke', 'person-invite', 'person-create',
    'person-activate', 'person-disable', 'password-reset', 'totp-enable', 'membership-set',
    'membership-remove', 'role-create', 'role-change', 'department-create', 'department-change',
    'token-create', 'token-revoke', 'contact-create', 'contact-change', 'list-change', 'campaign-change',
    'setting-change', 'bulk-export', 'totp-disable', 'password-reset-link',
    'invitation-resend', 'invitation-revoke', 'invitation-accept', 'domain-claim-refused'));
