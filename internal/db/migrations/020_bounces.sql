-- Bounce processing: the inbound SMTP listener stores every accepted message
-- here before it answers 250; processors claim rows with FOR UPDATE SKIP
-- LOCKED (several inbound nodes share the table). The raw message is personal
-- data and is deleted after bounces.raw_retention.
CREATE TABLE inbound_messages (
    id           bigserial PRIMARY KEY,
    received_at  timestamptz NOT NULL DEFAULT now(),
    -- mail_from is the envelope sender (empty for DSNs, RFC 3464 §2; the
    -- contact's own address for a mailto unsubscribe).
    mail_from    text NOT NULL DEFAULT '',
    rcpts        text[] NOT NULL,
    raw          bytea NOT NULL,
    size         integer NOT NULL,
    status       text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'done', 'ignored', 'failed')),
    attempts     smallint NOT NULL DEFAULT 0,
    next_attempt timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    -- outcome says what processing did (bounce, complaint, unsubscribe,
    -- auto-reply, forged, uncorrelated, or the error of the last attempt).
    outcome      text NOT NULL DEFAULT '',
    -- contact_id is the contact the message was correlated with, once known.
    contact_id   bigint
);
CREATE INDEX inbound_messages_todo_idx ON inbound_messages (next_attempt, id) WHERE status = 'new';
CREATE INDEX inbound_messages_received_idx ON inbound_messages (received_at);
CREATE INDEX inbound_messages_contact_idx ON inbound_messages (contact_id) WHERE contact_id IS NOT NULL;

-- One row per failed recipient of a bounce, a synchronous SMTP refusal or a
-- relay's webhook report. contact_id has no foreign key: erasure anonymises
-- the rows (contact link, recipient and diagnostic nulled) so statistics by
-- class and reason stay.
CREATE TABLE bounces (
    id          bigserial PRIMARY KEY,
    contact_id  bigint,
    campaign_id bigint REFERENCES campaigns (id) ON DELETE SET NULL,
    inbound_id  bigint,
    recipient   text,
    class       text NOT NULL CHECK (class IN ('hard', 'soft', 'block', 'complaint', 'auto-reply', 'unknown')),
    reason      text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT '',
    reply_code  integer NOT NULL DEFAULT 0,
    action      text NOT NULL DEFAULT '',
    diagnostic  text NOT NULL DEFAULT '',
    source      text NOT NULL CHECK (source IN ('dsn', 'smtp', 'webhook')),
    -- counted is true for the one row of a (campaign, contact, class) that
    -- changed the contact's counters: a synchronous 5xx and a later DSN for
    -- the same message count once.
    counted     boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX bounces_counted_key ON bounces (campaign_id, contact_id, class)
    WHERE counted AND campaign_id IS NOT NULL AND contact_id IS NOT NULL;
CREATE INDEX bounces_contact_idx ON bounces (contact_id, id) WHERE contact_id IS NOT NULL;
CREATE INDEX bounces_campaign_idx ON bounces (campaign_id, id) WHERE campaign_id IS NOT NULL;
CREATE INDEX bounces_created_idx ON bounces (created_at);
