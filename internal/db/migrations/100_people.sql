-- People: departments, staff persons, roles as sets of named permissions,
-- memberships (a role per person per department), sessions, login failures
-- (rate limit), one-time links (invitation, password reset), the change
-- history of contacts, and department scoping by row-level security.

CREATE TABLE departments (
    id          bigserial PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name        text NOT NULL,
    -- main_person_id receives bulk exports by mail when exports.mail_only is on.
    main_person_id bigint,
    -- allow_cidrs narrows the admin listener's allow-list for this
    -- department's persons (empty: the installation's list only).
    allow_cidrs cidr[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO departments (id, slug, name) VALUES (1, 'default', 'Default');
SELECT setval('departments_id_seq', 1);

-- postbode_department() is the department a connection is scoped to, from
-- the postbode.department setting the pool sets per request; unscoped
-- (system) connections write the default department.
CREATE FUNCTION postbode_department() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT COALESCE(NULLIF(current_setting('postbode.department', true), '')::bigint, 1)
$$;
-- postbode_actor() names the acting person or token ('' for system work).
CREATE FUNCTION postbode_actor() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT COALESCE(current_setting('postbode.actor', true), '')
$$;

CREATE TABLE persons (
    id             bigserial PRIMARY KEY,
    email          text NOT NULL,
    name           text NOT NULL DEFAULT '',
    password_hash  text NOT NULL DEFAULT '',
    status         text NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'active', 'disabled')),
    totp_secret    bytea,
    totp_enabled   boolean NOT NULL DEFAULT false,
    -- totp_last_step is the last accepted time step: a code is refused unless
    -- its step is later (no replay within a window).
    totp_last_step bigint NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    last_login_at  timestamptz
);
CREATE UNIQUE INDEX persons_email_key ON persons (lower(email));
ALTER TABLE departments ADD FOREIGN KEY (main_person_id) REFERENCES persons (id) ON DELETE SET NULL;

CREATE TABLE roles (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    description text NOT NULL DEFAULT '',
    -- builtin roles take their permissions from the table in the code.
    builtin     boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO roles (name, description, builtin) VALUES
    ('admin', 'everything', true),
    ('marketer', 'contacts, lists and campaigns', true),
    ('privacy', 'privacy officer: requests, erasure, exports, audit', true),
    ('viewer', 'sees lists and campaigns, no personal data', true);

CREATE TABLE role_permissions (
    role_id    bigint NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission text NOT NULL,
    PRIMARY KEY (role_id, permission)
);

CREATE TABLE memberships (
    person_id     bigint NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    department_id bigint NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    role_id       bigint NOT NULL REFERENCES roles (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, department_id)
);
CREATE INDEX memberships_department_idx ON memberships (department_id);

CREATE TABLE sessions (
    id            bigserial PRIMARY KEY,
    secret_hash   bytea NOT NULL UNIQUE,
    person_id     bigint NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    department_id bigint NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    ip            inet,
    user_agent    text NOT NULL DEFAULT '',
    revoked_at    timestamptz
);
CREATE INDEX sessions_person_idx ON sessions (person_id) WHERE revoked_at IS NULL;

CREATE TABLE login_failures (
    id        bigserial PRIMARY KEY,
    email_key text NOT NULL,
    ip        inet,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email_idx ON login_failures (email_key, at);
CREATE INDEX login_failures_ip_idx ON login_failures (ip, at);

CREATE TABLE person_links (
    id            bigserial PRIMARY KEY,
    person_id     bigint NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('invite', 'reset')),
    token_hash    bytea NOT NULL UNIQUE,
    created_by    text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz
);

-- API tokens belong to a person (acting with that person's role in the
-- token's department) or, without a person, are service tokens with a role.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens
    ADD COLUMN person_id bigint REFERENCES persons (id) ON DELETE CASCADE,
    ADD COLUMN department_id bigint NOT NULL DEFAULT postbode_department() REFERENCES departments (id);

-- Owned tables carry their department; rows written by a scoped connection
-- get its department by default.
-- contacts.department_id has no foreign key: departments are never deleted,
-- and a key check per row would slow every import down.
ALTER TABLE contacts ADD COLUMN department_id bigint NOT NULL DEFAULT postbode_department(),
    ADD COLUMN created_by text NOT NULL DEFAULT postbode_actor(),
    ADD COLUMN updated_by text NOT NULL DEFAULT postbode_actor();
DROP INDEX contacts_email_key;
-- An address is unique per department; the address leads, so erasure and
-- bounce correlation (which match an address in every department) use the
-- same index.
CREATE UNIQUE INDEX contacts_email_key ON contacts (lower(email), department_id);
ALTER TABLE lists ADD COLUMN department_id bigint NOT NULL DEFAULT postbode_department() REFERENCES departments (id);
ALTER TABLE lists DROP CONSTRAINT lists_slug_key;
CREATE UNIQUE INDEX lists_slug_key ON lists (department_id, slug);
ALTER TABLE campaigns ADD COLUMN department_id bigint NOT NULL DEFAULT postbode_department() REFERENCES departments (id);
ALTER TABLE jobs ADD COLUMN department_id bigint NOT NULL DEFAULT postbode_department() REFERENCES departments (id);
ALTER TABLE blocklist ADD COLUMN department_id bigint NOT NULL DEFAULT postbode_department() REFERENCES departments (id);
ALTER TABLE privacy_requests ADD COLUMN department_id bigint NOT NULL DEFAULT postbode_department() REFERENCES departments (id);

-- The audit log names the person, department and client address.
ALTER TABLE audit_log ADD COLUMN person_id bigint,
    ADD COLUMN department_id bigint NOT NULL DEFAULT postbode_department(),
    ADD COLUMN ip inet;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN ('erase', 'export', 'bulk-read',
    'retention-run', 'retention-preview', 'report', 'request-fulfil', 'request-verified',
    'request-mailed', 'request-reject', 'segment',
    'login', 'login-failed', 'logout', 'session-revoke', 'person-invite', 'person-create',
    'person-activate', 'person-disable', 'password-reset', 'totp-enable', 'membership-set',
    'membership-remove', 'role-create', 'role-change', 'department-create', 'department-change',
    'token-create', 'token-revoke', 'contact-create', 'contact-change', 'list-change', 'campaign-change',
    'setting-change', 'bulk-export'));
ALTER TABLE audit_log DROP CONSTRAINT audit_log_target_kind_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_target_kind_check CHECK (target_kind IN ('contact', 'contacts',
    'report', 'request', 'person', 'role', 'department', 'session', 'token', 'list', 'campaign', 'setting'));
CREATE INDEX audit_log_person_idx ON audit_log (person_id, id) WHERE person_id IS NOT NULL;

-- The change history of contacts by staff: which fields changed, by whom
-- (a person or token label), when. Written by a trigger, so every path that
-- changes a contact through a staff request records it.
CREATE TABLE contact_changes (
    id            bigserial PRIMARY KEY,
    contact_id    bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    actor         text NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    fields        text[] NOT NULL
);
CREATE INDEX contact_changes_contact_idx ON contact_changes (contact_id, id);

CREATE FUNCTION contacts_track_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed text[] := '{}';
BEGIN
    IF NEW.email IS DISTINCT FROM OLD.email THEN changed := array_append(changed, 'email'); END IF;
    IF NEW.name IS DISTINCT FROM OLD.name THEN changed := array_append(changed, 'name'); END IF;
    IF NEW.attributes IS DISTINCT FROM OLD.attributes THEN changed := array_append(changed, 'attributes'); END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN changed := array_append(changed, 'status'); END IF;
    IF array_length(changed, 1) IS NULL THEN
        RETURN NEW;
    END IF;
    NEW.updated_by := postbode_actor();
    INSERT INTO contact_changes (contact_id, actor, fields) VALUES (NEW.id, NEW.updated_by, changed);
    RETURN NEW;
END $$;
-- Only staff changes are tracked (system work such as bounce counting sets
-- no actor and pays nothing but the WHEN test).
CREATE TRIGGER contacts_track_change BEFORE UPDATE ON contacts
    FOR EACH ROW WHEN (postbode_actor() <> '') EXECUTE FUNCTION contacts_track_change();

-- Department scoping: requests of staff run as the role postbode_scoped,
-- which row-level security limits to the department in postbode.department.
-- System work runs as the owner, which RLS does not restrict.
DO $$
BEGIN
    CREATE ROLE postbode_scoped NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
DO $$
BEGIN
    EXECUTE format('GRANT postbode_scoped TO %I', current_user);
EXCEPTION WHEN others THEN NULL;
END $$;
GRANT USAGE ON SCHEMA public TO postbode_scoped;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO postbode_scoped;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO postbode_scoped;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO postbode_scoped;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO postbode_scoped;

-- Tables with their own department column.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['contacts', 'lists', 'campaigns', 'jobs', 'blocklist', 'privacy_requests',
                             'audit_log', 'api_tokens'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY department ON %I TO postbode_scoped USING (department_id = postbode_department()) WITH CHECK (department_id = postbode_department())', t);
    END LOOP;
END $$;

-- Tables owned through their contact or campaign: visible when the parent
-- is (the parent's own policy applies inside the subquery).
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['consent_records', 'change_requests', 'contact_changes'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY department ON %I TO postbode_scoped USING (EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id))', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['campaign_audience', 'deliveries', 'update_answers'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY department ON %I TO postbode_scoped USING (EXISTS (SELECT 1 FROM campaigns c WHERE c.id = campaign_id))', t);
    END LOOP;
END $$;
-- A campaign's counters row is written in the statement that creates the
-- campaign, before the campaign is visible to a policy subquery: reads are
-- scoped, writes of counters are not.
ALTER TABLE campaign_stats ENABLE ROW LEVEL SECURITY;
CREATE POLICY department ON campaign_stats TO postbode_scoped
    USING (EXISTS (SELECT 1 FROM campaigns c WHERE c.id = campaign_id)) WITH CHECK (true);
ALTER TABLE subscriptions ENABLE ROW LEVEL SECURITY;
CREATE POLICY department ON subscriptions TO postbode_scoped
    USING (EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id))
    WITH CHECK (EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id)
                AND EXISTS (SELECT 1 FROM lists l WHERE l.id = list_id));
-- Bounces and recipient actions belong to their contact's or campaign's
-- department; evidence linked to neither (uncorrelated or unauthenticated
-- reports) is shown to the default department.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['bounces', 'recipient_actions'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY department ON %I TO postbode_scoped USING (EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id) OR EXISTS (SELECT 1 FROM campaigns c WHERE c.id = campaign_id) OR (contact_id IS NULL AND campaign_id IS NULL AND postbode_department() = 1)) WITH CHECK ((contact_id IS NULL OR EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id)) AND (campaign_id IS NULL OR EXISTS (SELECT 1 FROM campaigns c WHERE c.id = campaign_id)))', t);
    END LOOP;
END $$;
