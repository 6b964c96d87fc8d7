-- Each department's sending identity: the From domains it owns (a domain
-- belongs to at most one department) and its house style. Empty values mean
-- the installation's configuration (templates.* and public.*).
ALTER TABLE departments
    ADD COLUMN org_name      text NOT NULL DEFAULT '' CHECK (length(org_name) <= 200),
    ADD COLUMN logo_url      text NOT NULL DEFAULT '' CHECK (logo_url = '' OR logo_url ~ '^https://'),
    ADD COLUMN primary_color text NOT NULL DEFAULT '' CHECK (primary_color = '' OR primary_color ~ '^#[0-9a-fA-F]{6}$');

CREATE TABLE department_domains (
    domain        text PRIMARY KEY CHECK (domain = lower(domain) AND domain ~ '^[a-z0-9.-]+$'),
    department_id bigint NOT NULL REFERENCES departments (id) ON DELETE CASCADE
);
CREATE INDEX department_domains_department_idx ON department_domains (department_id);
