-- Subscribers per list and status, kept by statement triggers on
-- subscriptions (one grouped change per statement, in list order), so the
-- lists read their counts instead of counting every subscription under
-- row-level security.
CREATE TABLE list_counts (
    list_id bigint NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    status text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (list_id, status)
);
INSERT INTO list_counts (list_id, status, n)
    SELECT list_id, status, count(*) FROM subscriptions GROUP BY list_id, status;

CREATE FUNCTION list_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO list_counts AS lc (list_id, status, n)
            SELECT o.list_id, o.status, -count(*) FROM old_rows o JOIN lists l ON l.id = o.list_id
            GROUP BY o.list_id, o.status ORDER BY o.list_id, o.status
            ON CONFLICT (list_id, status) DO UPDATE SET n = lc.n + EXCLUDED.n;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO list_counts AS lc (list_id, status, n)
            SELECT list_id, status, count(*) FROM new_rows
            GROUP BY list_id, status ORDER BY list_id, status
            ON CONFLICT (list_id, status) DO UPDATE SET n = lc.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER list_counts_insert AFTER INSERT ON subscriptions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION list_counts_apply();
CREATE TRIGGER list_counts_update AFTER UPDATE ON subscriptions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION list_counts_apply();
CREATE TRIGGER list_counts_delete AFTER DELETE ON subscriptions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION list_counts_apply();
