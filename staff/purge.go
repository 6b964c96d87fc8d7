package staff

import (
	"context"
	"fmt"
	"time"
)

// DefaultEndedRetention is how long what ended is kept when
// Options.EndedRetention is not set (people.ended_retention): 30 days, long
// enough to send an expired invitation again or see who accepted and who
// signed in from where, short enough that an address nobody answered for,
// or the IP address of a session long over, does not stay.
const DefaultEndedRetention = 30 * 24 * time.Hour

// purgeBatch bounds the rows one statement deletes.
const purgeBatch = 1000

// endedRows are the staff records PurgeEnded deletes once they ended longer
// than Options.EndedRetention ago ($1 the cutoff, $2 the batch): invitations
// accepted, revoked, or expired unanswered (sending one again before the
// purge gives it a new expiry; pending ones stay, whatever their age), with
// the address and name they hold; sessions expired or signed out, with the
// IP address and browser they hold; invitation and reset links used or
// expired; and failed logins, with the IP address they hold, once older
// than both the retention and the lockout window (they count toward a
// lockout only inside the window). The audit log keeps the history by
// numbers that name no row.
var endedRows = []struct{ what, sql string }{
	{"invitations", `DELETE FROM invitations WHERE id IN (SELECT id FROM invitations
		WHERE accepted_at < $1 OR revoked_at < $1 OR (accepted_at IS NULL AND revoked_at IS NULL AND expires_at < $1)
		LIMIT $2 FOR UPDATE SKIP LOCKED)`},
	{"sessions", `DELETE FROM sessions WHERE id IN (SELECT id FROM sessions
		WHERE expires_at < $1 OR revoked_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`},
	{"links", `DELETE FROM person_links WHERE id IN (SELECT id FROM person_links
		WHERE expires_at < $1 OR used_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`},
	{"failed logins", `DELETE FROM login_failures WHERE id IN (SELECT id FROM login_failures
		WHERE at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`},
}

// PurgeEnded deletes the staff records that ended longer than
// Options.EndedRetention ago (endedRows). The janitor calls it each run;
// several may run at once (rows are claimed with SKIP LOCKED). It returns
// how many rows went.
func (s *Service) PurgeEnded(ctx context.Context) (int64, error) {
	ctx = unscoped(ctx)
	cutoff := s.now().Add(-max(s.opt.EndedRetention, s.opt.LockoutWindow))
	var total int64
	for _, r := range endedRows {
		for {
			tag, err := s.db.Exec(ctx, r.sql, cutoff, purgeBatch)
			if err != nil {
				return total, fmt.Errorf("staff: purge ended %s: %w", r.what, err)
			}
			total += tag.RowsAffected()
			if tag.RowsAffected() < purgeBatch {
				break
			}
		}
	}
	return total, nil
}
