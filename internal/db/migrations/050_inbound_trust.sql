-- Inbound mail changes a contact only on proof (a token under the server
-- key). A report without proof is kept as evidence: its bounces rows have
-- outcome 'unauthenticated', no contact and no campaign, and count nothing.
ALTER TABLE bounces ADD COLUMN outcome text NOT NULL DEFAULT 'applied'
    CHECK (outcome IN ('applied', 'unauthenticated'));
CREATE INDEX bounces_unauthenticated_idx ON bounces (id) WHERE outcome = 'unauthenticated';

-- One inbound message counts at most once per contact, whatever campaign
-- it names (or none): a report listing an address in several spellings is
-- one bounce.
CREATE UNIQUE INDEX bounces_counted_message_key ON bounces (inbound_id, contact_id)
    WHERE counted AND inbound_id IS NOT NULL AND contact_id IS NOT NULL;

-- Keyed hashes (the blocklist's HMAC of the lower-cased address) of every
-- address a raw inbound message names, so erasure reaches raw messages that
-- were never correlated with the contact.
ALTER TABLE inbound_messages ADD COLUMN address_hashes bytea[] NOT NULL DEFAULT '{}';
CREATE INDEX inbound_messages_address_hashes_idx ON inbound_messages USING gin (address_hashes);

-- Amazon SNS MessageIds already applied (replays are refused); rows older
-- than the replay window are deleted.
CREATE TABLE webhook_messages (
    message_id  text PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_messages_received_idx ON webhook_messages (received_at);
