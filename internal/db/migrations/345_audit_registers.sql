-- The data-breach register and the processor agreements are audited as
-- setting changes whose target is the breach or the agreement.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_target_kind_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_target_kind_check CHECK (target_kind IN ('contact', 'contacts',
    'report', 'request', 'person', 'role', 'department', 'session', 'token', 'list', 'campaign', 'setting',
    'invitation', 'breach', 'agreement'));
