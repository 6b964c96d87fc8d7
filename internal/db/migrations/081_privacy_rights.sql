-- Requests for the other rights of data subjects: rectification (GDPR art.
-- 16), restriction (art. 18) and objection (art. 21), with the same
-- one-month deadline. An objection switches off open and click measuring
-- for the contact at once (contacts.no_tracking); staff handle the rest.
ALTER TABLE privacy_requests DROP CONSTRAINT privacy_requests_kind_check;
ALTER TABLE privacy_requests ADD CONSTRAINT privacy_requests_kind_check
    CHECK (kind IN ('access', 'erasure', 'rectification', 'restriction', 'objection'));

-- no_tracking: opens and clicks of this contact are not recorded.
ALTER TABLE contacts ADD COLUMN no_tracking boolean NOT NULL DEFAULT false;
