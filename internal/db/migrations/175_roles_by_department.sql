-- A custom role belongs to one department: only that department's
-- administrators see, change and give it, and each department names its
-- own roles (two departments may both have a role "ops"). Shipped roles
-- belong to none and stay the same everywhere.
--
-- Custom roles made before: a role stays with the lowest-numbered
-- department that uses it (a membership or a live API token); every other
-- department that uses it gets its own copy with the same permissions, so
-- no one gains or loses a permission. A role nobody uses goes to the
-- default department.

ALTER TABLE roles ADD COLUMN department_id bigint REFERENCES departments (id) ON DELETE CASCADE;
ALTER TABLE roles DROP CONSTRAINT roles_name_key;

CREATE TEMPORARY TABLE role_uses ON COMMIT DROP AS
    SELECT DISTINCT r.id AS role_id, u.department_id
    FROM roles r JOIN (
        SELECT role_id, department_id FROM memberships
        UNION SELECT r2.id, t.department_id FROM api_tokens t JOIN roles r2 ON r2.name = t.role
            WHERE t.revoked_at IS NULL
    ) u ON u.role_id = r.id
    WHERE NOT r.builtin;

UPDATE roles r SET department_id = COALESCE((SELECT min(u.department_id) FROM role_uses u WHERE u.role_id = r.id), 1)
    WHERE NOT r.builtin;

INSERT INTO roles (name, description, builtin, created_at, department_id)
    SELECT r.name, r.description, false, r.created_at, u.department_id
    FROM roles r JOIN role_uses u ON u.role_id = r.id WHERE u.department_id <> r.department_id;
INSERT INTO role_permissions (role_id, permission)
    SELECT c.id, p.permission FROM roles c
    JOIN roles o ON o.name = c.name AND o.id <> c.id AND o.id IN (SELECT role_id FROM role_uses)
    JOIN role_permissions p ON p.role_id = o.id
    WHERE NOT c.builtin AND c.id NOT IN (SELECT role_id FROM role_uses);
UPDATE memberships m SET role_id = c.id FROM roles o, roles c
    WHERE m.role_id = o.id AND NOT o.builtin AND c.name = o.name AND c.department_id = m.department_id AND c.id <> o.id;

ALTER TABLE roles ADD CONSTRAINT roles_department_check CHECK (builtin = (department_id IS NULL));
ALTER TABLE roles ADD CONSTRAINT roles_department_name_key UNIQUE (department_id, name);
CREATE UNIQUE INDEX roles_shipped_name_key ON roles (name) WHERE department_id IS NULL;
