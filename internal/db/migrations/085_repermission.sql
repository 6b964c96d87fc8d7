-- Re-permission: a list may ask its subscribers to confirm again after a
-- period without consent or engagement; who does not confirm within the
-- grace period leaves the list.
ALTER TABLE lists
    ADD COLUMN repermission_months     int NOT NULL DEFAULT 0 CHECK (repermission_months BETWEEN 0 AND 120),
    ADD COLUMN repermission_grace_days int NOT NULL DEFAULT 30 CHECK (repermission_grace_days BETWEEN 1 AND 365);

-- When the re-confirmation mail for this subscription went out; cleared when
-- the contact confirms.
ALTER TABLE subscriptions ADD COLUMN repermission_asked_at timestamptz;
CREATE INDEX subscriptions_repermission_idx ON subscriptions (repermission_asked_at) WHERE repermission_asked_at IS NOT NULL;

ALTER TABLE consent_records DROP CONSTRAINT consent_records_action_check;
ALTER TABLE consent_records ADD CONSTRAINT consent_records_action_check CHECK (action IN ('opt-in', 'confirm', 'opt-out',
    'update', 'reconfirm', 'withdraw', 'repermission-asked', 'repermission-confirmed', 'repermission-lapsed'));
