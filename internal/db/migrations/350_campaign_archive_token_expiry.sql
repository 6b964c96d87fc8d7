-- A finished or cancelled campaign can be archived: it leaves the default
-- campaign list (a filter shows it again) and can be taken out of the
-- archive. Nothing else about it changes.
ALTER TABLE campaigns ADD COLUMN archived_at timestamptz;

-- A person's API token may carry an expiry: after it the token no longer
-- authenticates (NULL: it works until revoked).
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
