-- What a person typed on the public privacy form with a request (what
-- should be corrected, for a rectification), kept while the verification
-- link mailed to the address is not yet followed: confirming the link moves
-- it to the request (privacy_requests.details) and deletes it. Keyed by what
-- the link's token stands for (rtoken Claims.Identity); it expires with the
-- link (the janitor deletes it) and goes with the contact.
CREATE TABLE privacy_request_drafts (
    token_hash  bytea PRIMARY KEY,
    contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    details     text NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX privacy_request_drafts_contact_idx ON privacy_request_drafts (contact_id);
CREATE INDEX privacy_request_drafts_expires_idx ON privacy_request_drafts (expires_at);

-- Owned through its contact, like consent_records.
ALTER TABLE privacy_request_drafts ENABLE ROW LEVEL SECURITY;
CREATE POLICY department ON privacy_request_drafts TO postbode_scoped
    USING (EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id));
