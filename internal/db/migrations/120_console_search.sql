-- The console's contact search matches the start of the address or the
-- name, any case. Lower-case copies kept by Postgres, indexed for prefix
-- ranges: under row-level security only leakproof operators on plain
-- columns can use an index (lower() is not leakproof), so the search
-- compares these columns with ~>=~ / ~<~ instead of lower(x) LIKE 'q%'.
ALTER TABLE contacts ADD COLUMN email_search text GENERATED ALWAYS AS (lower(email)) STORED,
    ADD COLUMN name_search text GENERATED ALWAYS AS (lower(name)) STORED;
CREATE INDEX contacts_email_search_idx ON contacts (email_search text_pattern_ops);
CREATE INDEX contacts_name_search_idx ON contacts (name_search text_pattern_ops);
