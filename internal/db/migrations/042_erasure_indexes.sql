-- Erasure finds a contact's rows by contact id or by address
-- (internal/db/personal.go): index the address columns the way it matches
-- them, so erasing one contact never scans a whole table.
CREATE INDEX bounces_recipient_idx ON bounces (lower(recipient)) WHERE recipient IS NOT NULL;
CREATE INDEX inbound_messages_mail_from_idx ON inbound_messages (lower(mail_from)) WHERE mail_from <> '';
