-- A membership holds a shipped role or a custom role of its own department
-- (custom roles belong to one department since migration 175). The
-- application only ever picks such a role; the database now refuses any
-- other, whichever way a row is written.
--
-- Memberships that hold another department's custom role move to a role of
-- their own department with exactly the same permissions: the one of the
-- same name when its permissions match, else a new copy (named after the
-- original, with the original's id added when the name is taken there), so
-- no one gains or loses a permission.
DO $$
DECLARE
    s record;
    target bigint;
    wanted text[];
BEGIN
    FOR s IN SELECT DISTINCT r.id AS role_id, r.name, r.description, r.created_at, m.department_id
        FROM memberships m JOIN roles r ON r.id = m.role_id
        WHERE NOT r.builtin AND r.department_id IS DISTINCT FROM m.department_id
        ORDER BY r.id, m.department_id
    LOOP
        wanted := ARRAY(SELECT permission FROM role_permissions WHERE role_id = s.role_id ORDER BY 1);
        target := NULL;
        SELECT c.id INTO target FROM roles c WHERE c.department_id = s.department_id AND c.name = s.name
            AND ARRAY(SELECT permission FROM role_permissions WHERE role_id = c.id ORDER BY 1) = wanted;
        IF target IS NULL THEN
            INSERT INTO roles (name, description, builtin, created_at, department_id)
            VALUES (CASE WHEN EXISTS (SELECT 1 FROM roles WHERE department_id = s.department_id AND name = s.name)
                         THEN left(s.name, 62 - length(s.role_id::text)) || '-' || s.role_id
                         ELSE s.name END,
                    s.description, false, s.created_at, s.department_id)
            RETURNING id INTO target;
            INSERT INTO role_permissions (role_id, permission) SELECT target, unnest(wanted);
        END IF;
        UPDATE memberships SET role_id = target WHERE role_id = s.role_id AND department_id = s.department_id;
    END LOOP;
END $$;

-- The check runs on every write of a membership's role or department. It
-- locks the role row (FOR KEY SHARE, as the foreign key does), so a role
-- cannot move to another department between the check and the commit.
CREATE FUNCTION memberships_role_department() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    owner bigint;
BEGIN
    SELECT department_id INTO owner FROM roles WHERE id = NEW.role_id FOR KEY SHARE;
    IF owner IS NOT NULL AND owner <> NEW.department_id THEN
        RAISE EXCEPTION 'membership of person % in department %: role % belongs to department %',
            NEW.person_id, NEW.department_id, NEW.role_id, owner
            USING ERRCODE = 'check_violation', CONSTRAINT = 'memberships_role_department';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER memberships_role_department BEFORE INSERT OR UPDATE OF role_id, department_id ON memberships
    FOR EACH ROW EXECUTE FUNCTION memberships_role_department();

-- And from the other side: a custom role that people hold does not move to
-- another department.
CREATE FUNCTION roles_keep_department() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM memberships m WHERE m.role_id = NEW.id
               AND NEW.department_id IS NOT NULL AND m.department_id <> NEW.department_id) THEN
        RAISE EXCEPTION 'role % is held in another department than %', NEW.id, NEW.department_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'memberships_role_department';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER roles_keep_department BEFORE UPDATE OF department_id ON roles
    FOR EACH ROW WHEN (NEW.department_id IS DISTINCT FROM OLD.department_id)
    EXECUTE FUNCTION roles_keep_department();
