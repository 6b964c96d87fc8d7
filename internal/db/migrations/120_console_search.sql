-- The console's contact search matches the start of the address or the
-- name; these indexes let it do so without a scan at a million contacts.
CREATE INDEX contacts_email_prefix_idx ON contacts (lower(email) text_pattern_ops);
CREATE INDEX contacts_name_prefix_idx ON contacts (lower(name) text_pattern_ops);
