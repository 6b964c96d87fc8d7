-- Recipient side: every action a recipient takes on the public pages (with
-- time, IP and user agent), the answers to update mailings, and changes of
-- details made on the update page (applied at once or pending approval).

-- recipient_actions is append-only and written in batches (COPY) by the
-- public listener. No foreign keys: the log must never slow down or fail a
-- page; erasure deletes a contact's rows through the personal-data registry.
CREATE TABLE recipient_actions (
    id          bigserial PRIMARY KEY,
    contact_id  bigint,
    campaign_id bigint,
    list_id     bigint,
    action      text NOT NULL,
    detail      text NOT NULL DEFAULT '',
    ip          inet,
    user_agent  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recipient_actions_contact_idx ON recipient_actions (contact_id) WHERE contact_id IS NOT NULL;

-- The last answer of each recipient of an update mailing. Statistics: erasure
-- nulls the contact link and keeps the answer.
CREATE TABLE update_answers (
    campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    contact_id  bigint,
    answer      text NOT NULL CHECK (answer IN ('ok', 'changed', 'remove')),
    answered_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX update_answers_key ON update_answers (campaign_id, contact_id);
CREATE INDEX update_answers_contact_idx ON update_answers (contact_id) WHERE contact_id IS NOT NULL;

-- Changes of details from the update page: every changed field with its old
-- and new value, who acted (IP, user agent) and when. status 'applied' when
-- changes apply at once; 'pending' until a marketer approves or rejects.
CREATE TABLE change_requests (
    id          bigserial PRIMARY KEY,
    contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    campaign_id bigint,
    changes     jsonb NOT NULL,
    status      text NOT NULL CHECK (status IN ('applied', 'pending', 'approved', 'rejected')),
    ip          inet,
    user_agent  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    decided_at  timestamptz,
    decided_by  text NOT NULL DEFAULT ''
);
CREATE INDEX change_requests_contact_idx ON change_requests (contact_id);
CREATE INDEX change_requests_pending_idx ON change_requests (id) WHERE status = 'pending';
