package db_test

import (
	"testing"
)

// TestInvitationLinksBecomeInvitations: a pending join link (an account
// invited into another department) and an invited person who never chose
// a password become invitations carrying the same token, so a link mailed
// before keeps working; a person invited into two departments gets an
// invitation in each (the link's token on the first), one whose link had
// expired an expired invitation; the invited persons go, accounts stay,
// and used or expired join links make nothing.
func TestInvitationLinksBecomeInvitations(t *testing.T) {
	pool, migs := migratedBefore(t, 290)
	ctx := t.Context()
	if _, err := pool.Exec(ctx, `
		INSERT INTO departments (id, slug, name) VALUES (2, 'north', 'North');
		INSERT INTO persons (id, email, name, status, password_hash) VALUES (1, 'ext@example.org', 'Ext', 'active', 'x'),
			(2, 'ivy@example.org', 'Ivy', 'invited', ''), (3, 'old@example.org', 'Old', 'invited', '');
		INSERT INTO memberships (person_id, department_id, role_id) VALUES
			(1, 1, (SELECT id FROM roles WHERE name = 'admin')),
			(2, 1, (SELECT id FROM roles WHERE name = 'viewer')), (2, 2, (SELECT id FROM roles WHERE name = 'marketer')),
			(3, 2, (SELECT id FROM roles WHERE name = 'viewer'));
		UPDATE departments SET main_person_id = 3 WHERE id = 2;
		INSERT INTO person_links (person_id, kind, token_hash, created_by, expires_at, department_id, role) VALUES
			(1, 'join', sha256('pbl_join'::bytea), 'person:9', now() + interval '1 day', 2, 'viewer'),
			(1, 'join', sha256('pbl_joinexpired'::bytea), 'person:9', now() - interval '1 day', 2, 'viewer');
		INSERT INTO person_links (person_id, kind, token_hash, created_by, expires_at) VALUES
			(2, 'invite', sha256('pbl_ivy'::bytea), 'person:9', now() + interval '1 day'),
			(3, 'invite', sha256('pbl_old'::bytea), 'person:9', now() - interval '1 day');`); err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		if _, err := pool.Exec(ctx, m.SQL); err != nil {
			t.Fatalf("migration %d: %v", m.Version, err)
		}
	}
	type inv struct {
		email, role string
		dept        int64
		open        bool
	}
	byToken := func(secret string) (v inv) {
		t.Helper()
		if err := pool.QueryRow(ctx, `SELECT email, role, department_id, expires_at > now() FROM invitations
			WHERE token_hash = sha256($1::bytea) AND accepted_at IS NULL AND revoked_at IS NULL`, []byte(secret)).Scan(&v.email, &v.role, &v.dept, &v.open); err != nil {
			t.Fatalf("no invitation with the token of %s: %v", secret, err)
		}
		return v
	}
	if v := byToken("pbl_join"); v != (inv{"ext@example.org", "viewer", 2, true}) {
		t.Errorf("join link: %+v", v)
	}
	if v := byToken("pbl_ivy"); v != (inv{"ivy@example.org", "viewer", 1, true}) {
		t.Errorf("invitation link: %+v", v)
	}
	var n, persons, ivyNorth, oldExpired, ids int
	pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE email = 'ivy@example.org' AND department_id = 2 AND role = 'marketer'),
		count(*) FILTER (WHERE email = 'old@example.org' AND department_id = 2 AND expires_at <= now()),
		count(DISTINCT id) FILTER (WHERE id ~ '^inv_[0-9a-f]{26}$') FROM invitations`).Scan(&n, &ivyNorth, &oldExpired, &ids)
	pool.QueryRow(ctx, `SELECT count(*) FROM persons`).Scan(&persons)
	if n != 4 || ivyNorth != 1 || oldExpired != 1 || ids != 4 || persons != 1 {
		t.Errorf("%d invitations (ivy in north %d, old expired %d, ids %d), %d persons; want 4 (1, 1, 4), 1", n, ivyNorth, oldExpired, ids, persons)
	}
	var open int
	pool.QueryRow(ctx, `SELECT count(*) FROM person_links WHERE kind = 'join' AND used_at IS NULL`).Scan(&open)
	if open != 0 {
		t.Errorf("%d join links left open", open)
	}
}
