-- The data-breach register (GDPR art. 33(5)): every personal-data breach
-- with its facts, effects and remedies, and whether and when the authority
-- (art. 33: within 72 hours of discovery) and the people (art. 34) were
-- notified. It describes incidents, not people: no personal data.
CREATE TABLE data_breaches (
    id                      bigserial PRIMARY KEY,
    discovered_at           timestamptz NOT NULL,
    nature                  text NOT NULL CHECK (nature <> ''),
    categories              text[] NOT NULL DEFAULT '{}',
    people_approx           bigint NOT NULL DEFAULT 0 CHECK (people_approx >= 0),
    records_approx          bigint NOT NULL DEFAULT 0 CHECK (records_approx >= 0),
    consequences            text NOT NULL DEFAULT '',
    measures                text NOT NULL DEFAULT '',
    -- authority: pending (to be notified), notified, not-required (no risk
    -- to people, art. 33(1); say why in authority_note).
    authority               text NOT NULL DEFAULT 'pending' CHECK (authority IN ('pending', 'notified', 'not-required')),
    authority_notified_at   timestamptz,
    authority_note          text NOT NULL DEFAULT '',
    -- people: pending, notified, not-required (art. 34(3); say why in people_note).
    people                  text NOT NULL DEFAULT 'pending' CHECK (people IN ('pending', 'notified', 'not-required')),
    people_notified_at      timestamptz,
    people_note             text NOT NULL DEFAULT '',
    created_by              text NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK ((authority = 'notified') = (authority_notified_at IS NOT NULL)),
    CHECK ((people = 'notified') = (people_notified_at IS NOT NULL))
);
CREATE INDEX data_breaches_pending_idx ON data_breaches (discovered_at) WHERE authority = 'pending';

-- Processor agreements (GDPR art. 28(3)): the signed documents, downloadable
-- by the admin. They name companies, not data subjects.
CREATE TABLE processor_agreements (
    id           bigserial PRIMARY KEY,
    processor    text NOT NULL CHECK (processor <> ''),
    filename     text NOT NULL,
    content_type text NOT NULL,
    data         bytea NOT NULL,
    signed_on    date,
    uploaded_by  text NOT NULL,
    uploaded_at  timestamptz NOT NULL DEFAULT now()
);
