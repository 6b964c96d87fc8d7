-- Data minimisation: contact attribute keys hidden from everyone but the
-- privacy role (API reads, mail templates, marketers' exports). The key
-- names a field, not a person: no personal data.
CREATE TABLE hidden_attributes (
    key       text PRIMARY KEY,
    reason    text NOT NULL DEFAULT '',
    hidden_by text NOT NULL,
    hidden_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN ('erase', 'export', 'bulk-read',
    'retention-run', 'retention-preview', 'report', 'request-fulfil', 'request-verified',
    'request-mailed', 'request-reject', 'segment', 'hold', 'hold-release',
    'attribute-hide', 'attribute-show', 'attribute-delete'));
