-- A bounce keeps the classifier rule that decided its reason and where its
-- status code came from (Result.Rule and StatusRule, as `postbode bounces
-- classify` prints them), so staff can see why it counted.
ALTER TABLE bounces ADD COLUMN rule text NOT NULL DEFAULT '',
    ADD COLUMN status_rule text NOT NULL DEFAULT '';

-- A counted bounce that staff dismiss (a receiver's outage, a false report)
-- no longer counts toward the contact's inactivity: counted goes false, the
-- contact's counter goes down, and dismissed_at/dismissed_by say when and
-- who. A dismissed bounce still holds its message's place in the
-- once-per-message indexes, so a late DSN of the same message cannot count
-- it again.
ALTER TABLE bounces ADD COLUMN dismissed_at timestamptz,
    ADD COLUMN dismissed_by text NOT NULL DEFAULT '';
DROP INDEX bounces_counted_key;
CREATE UNIQUE INDEX bounces_counted_key ON bounces (campaign_id, contact_id, class)
    WHERE (counted OR dismissed_at IS NOT NULL) AND campaign_id IS NOT NULL AND contact_id IS NOT NULL;
DROP INDEX bounces_counted_message_key;
CREATE UNIQUE INDEX bounces_counted_message_key ON bounces (inbound_id, contact_id)
    WHERE (counted OR dismissed_at IS NOT NULL) AND inbound_id IS NOT NULL AND contact_id IS NOT NULL;

-- A department's staff may change a bounce of their own contact that the
-- shared inbound listener filed under the default department (dismissing
-- it): a scoped write must leave the row visible to the writing department
-- by the same rule reading uses, and link only to its contacts and
-- campaigns. Before, the written row had to carry the writer's department,
-- which such a row does not.
DROP POLICY department ON bounces;
CREATE POLICY department ON bounces TO postbode_scoped
    USING (EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id) OR EXISTS (SELECT 1 FROM campaigns c WHERE c.id = campaign_id)
           OR (contact_id IS NULL AND campaign_id IS NULL AND department_id = postbode_department()))
    WITH CHECK ((department_id = postbode_department()
                 OR EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id) OR EXISTS (SELECT 1 FROM campaigns c WHERE c.id = campaign_id))
                AND (contact_id IS NULL OR EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id))
                AND (campaign_id IS NULL OR EXISTS (SELECT 1 FROM campaigns c WHERE c.id = campaign_id)));

-- The department's bounce list, newest first, by class.
CREATE INDEX bounces_class_idx ON bounces (class, id);

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN ('erase', 'export', 'bulk-read',
    'retention-run', 'retention-preview', 'report', 'request-fulfil', 'request-verified',
    'request-mailed', 'request-reject', 'segment',
    'login', 'login-failed', 'logout', 'session-revoke', 'person-invite', 'person-create',
    'person-activate', 'person-disable', 'password-reset', 'totp-enable', 'membership-set',
    'membership-remove', 'role-create', 'role-change', 'department-create', 'department-change',
    'token-create', 'token-revoke', 'contact-create', 'contact-change', 'list-change', 'campaign-change',
    'setting-change', 'bulk-export', 'totp-disable', 'password-reset-link',
    'invitation-resend', 'invitation-revoke', 'invitation-accept', 'domain-claim-refused', 'bounce-dismiss'));
