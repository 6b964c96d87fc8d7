-- Campaigns, their recipients (deliveries), optional audience restriction and
-- aggregate counters that survive the erasure of contacts.

CREATE TABLE campaigns (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL,
    kind          text NOT NULL DEFAULT 'regular' CHECK (kind IN ('regular', 'update')),
    status        text NOT NULL DEFAULT 'draft'
                  CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'cancelled', 'finished')),
    subject       text NOT NULL,
    html          text NOT NULL DEFAULT '',
    text_body     text NOT NULL DEFAULT '',
    from_name     text NOT NULL DEFAULT '',
    from_email    text NOT NULL,
    reply_to      text NOT NULL DEFAULT '',
    list_ids      bigint[] NOT NULL DEFAULT '{}',
    -- has_audience restricts recipients to campaign_audience rows (∩ eligible).
    has_audience  boolean NOT NULL DEFAULT false,
    track_opens   boolean NOT NULL DEFAULT false,
    track_clicks  boolean NOT NULL DEFAULT false,
    -- parent_id links a follow-up (e.g. a reminder) to the campaign it follows.
    parent_id     bigint REFERENCES campaigns (id) ON DELETE SET NULL,
    send_at       timestamptz,
    -- missed_at is set when a scheduled campaign was found past its send_at
    -- beyond sending.missed_grace: it waits for an explicit start.
    missed_at     timestamptz,
    started_at    timestamptz,
    paused_at     timestamptz,
    finished_at   timestamptz,
    -- Recipient expansion: contacts up to expand_cursor (by id) have a
    -- delivery row; expanded_at is set once every recipient has one.
    expand_cursor bigint NOT NULL DEFAULT 0,
    expanded_at   timestamptz,
    created_by    text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_scheduled_idx ON campaigns (send_at) WHERE status = 'scheduled';
CREATE INDEX campaigns_active_idx ON campaigns (id) WHERE status IN ('running', 'paused');
CREATE INDEX campaigns_parent_idx ON campaigns (parent_id) WHERE parent_id IS NOT NULL;

-- Aggregate counters, kept apart from the campaign row so the hot updates of
-- the send workers never wait on edits of the campaign. They are statistics:
-- erasing a contact leaves them unchanged.
CREATE TABLE campaign_stats (
    campaign_id bigint PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
    total       bigint NOT NULL DEFAULT 0,
    sent        bigint NOT NULL DEFAULT 0,
    deferred    bigint NOT NULL DEFAULT 0,
    bounced     bigint NOT NULL DEFAULT 0,
    failed      bigint NOT NULL DEFAULT 0,
    skipped     bigint NOT NULL DEFAULT 0,
    cancelled   bigint NOT NULL DEFAULT 0,
    opened      bigint NOT NULL DEFAULT 0,
    clicked     bigint NOT NULL DEFAULT 0,
    retries     bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per recipient of a campaign. contact_id has no foreign key: erasure
-- anonymises rows (contact_id and last_error nulled) so statistics stay, and
-- the bulk COPY of recipient expansion stays cheap.
CREATE TABLE deliveries (
    campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    contact_id  bigint,
    status      text NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'sent', 'deferred', 'bounced', 'failed', 'skipped', 'cancelled')),
    attempts    smallint NOT NULL DEFAULT 0,
    queued_at   timestamptz NOT NULL DEFAULT now(),
    done_at     timestamptz,
    opened_at   timestamptz,
    clicked_at  timestamptz,
    last_error  text
);
CREATE UNIQUE INDEX deliveries_campaign_contact_key ON deliveries (campaign_id, contact_id);
CREATE INDEX deliveries_contact_idx ON deliveries (contact_id) WHERE contact_id IS NOT NULL;

-- An optional audience: when a campaign has_audience, only these contacts
-- (that are also eligible) receive it. Used for reminders and segments.
CREATE TABLE campaign_audience (
    campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (campaign_id, contact_id)
);
CREATE INDEX campaign_audience_contact_idx ON campaign_audience (contact_id);
