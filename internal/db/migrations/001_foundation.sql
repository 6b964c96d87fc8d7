-- Contacts, lists, subscriptions, consent records, blocklist, API tokens, jobs.

CREATE TABLE contacts (
    id              bigserial PRIMARY KEY,
    email           text NOT NULL,
    name            text NOT NULL DEFAULT '',
    attributes      jsonb NOT NULL DEFAULT '{}'::jsonb,
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'blocklisted')),
    hard_bounces    integer NOT NULL DEFAULT 0,
    soft_bounces    integer NOT NULL DEFAULT 0,
    one_star_since  timestamptz,
    last_engaged_at timestamptz,
    source          text NOT NULL CHECK (source IN ('import', 'manual', 'api', 'webform', 'update-page')),
    updated_source  text NOT NULL CHECK (updated_source IN ('import', 'manual', 'api', 'webform', 'update-page', 'bounce', 'system')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX contacts_email_key ON contacts (lower(email));
CREATE INDEX contacts_one_star_idx ON contacts (one_star_since) WHERE one_star_since IS NOT NULL;
CREATE INDEX contacts_source_idx ON contacts (source);

CREATE TABLE lists (
    id          bigserial PRIMARY KEY,
    slug        text NOT NULL UNIQUE,
    name        text NOT NULL,
    purpose     text NOT NULL,
    optin       text NOT NULL CHECK (optin IN ('single', 'double')),
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE subscriptions (
    contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    list_id    bigint NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    status     text NOT NULL CHECK (status IN ('unconfirmed', 'confirmed', 'unsubscribed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contact_id, list_id)
);
CREATE INDEX subscriptions_list_idx ON subscriptions (list_id, status, contact_id);

-- Consent records are append-only facts: rows are never updated. They are
-- deleted only by erasure (with the contact).
CREATE TABLE consent_records (
    id         bigserial PRIMARY KEY,
    contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    list_id    bigint REFERENCES lists (id) ON DELETE SET NULL,
    action     text NOT NULL CHECK (action IN ('opt-in', 'confirm', 'opt-out', 'update', 'reconfirm', 'withdraw')),
    source     text NOT NULL CHECK (source IN ('import', 'manual', 'api', 'webform', 'update-page', 'mailto', 'one-click', 'complaint', 'system')),
    purpose    text NOT NULL DEFAULT '',
    ip         inet,
    user_agent text NOT NULL DEFAULT '',
    evidence   text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_records_contact_idx ON consent_records (contact_id, id);

CREATE FUNCTION consent_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- list_id may be nulled when a list is deleted (ON DELETE SET NULL).
    IF NEW.id = OLD.id AND NEW.contact_id = OLD.contact_id AND NEW.action = OLD.action
       AND NEW.created_at = OLD.created_at AND NEW.list_id IS NULL THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'consent records are append-only';
END $$;
CREATE TRIGGER consent_records_no_update BEFORE UPDATE ON consent_records
    FOR EACH ROW EXECUTE FUNCTION consent_records_append_only();

-- The blocklist (suppression list) is keyed by a keyed hash of the normalised
-- address, so an entry can outlive the address itself (email is nulled on erasure).
CREATE TABLE blocklist (
    email_hash bytea PRIMARY KEY,
    id         bigserial UNIQUE,
    email      text,
    reason     text NOT NULL CHECK (reason IN ('manual', 'complaint', 'hard-bounce', 'request', 'import')),
    note       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('admin', 'marketer', 'privacy', 'viewer')),
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

CREATE TABLE jobs (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL,
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    params      jsonb NOT NULL DEFAULT '{}'::jsonb,
    total       bigint NOT NULL DEFAULT 0,
    processed   bigint NOT NULL DEFAULT 0,
    applied     bigint NOT NULL DEFAULT 0,
    failed      bigint NOT NULL DEFAULT 0,
    errors      jsonb NOT NULL DEFAULT '[]'::jsonb,
    message     text NOT NULL DEFAULT '',
    created_by  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
