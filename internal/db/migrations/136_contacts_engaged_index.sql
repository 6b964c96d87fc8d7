-- The stars filter of the contact listing narrows on last_engaged_at;
-- the few recently engaged (four and five stars) are found by this index
-- instead of a scan of every contact.
CREATE INDEX contacts_last_engaged_idx ON contacts (last_engaged_at) WHERE last_engaged_at IS NOT NULL;
