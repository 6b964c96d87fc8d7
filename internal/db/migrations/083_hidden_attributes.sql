-- Data minimisation: contact attribute keys hidden from everyone but the
-- privacy role (API reads, mail templates, marketers' exports). The key
-- names a field, not a person: no personal data.
CREATE TABLE hidden_attributes (
    key       text PRIMARY KEY,
    reason    text NOT NULL DEFAULT '',
    hidden_by text NOT NULL,
    hidden_at timestamptz NOT NULL DEFAULT now()
);

