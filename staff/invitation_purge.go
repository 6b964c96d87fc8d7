package staff

import (
	"context"
	"fmt"
	"time"
)

// DefaultInvitationRetention is how long a closed invitation is kept when
// Options.InvitationRetention is not set (people.invitation_retention):
// 30 days, long enough to send an expired one again or see who accepted,
// short enough that an address nobody answered for does not stay.
const DefaultInvitationRetention = 30 * 24 * time.Hour

// invitationPurgeBatch bounds the invitations one statement deletes.
const invitationPurgeBatch = 1000

// PurgeInvitations deletes the invitations (with the address and name they
// hold) that closed longer than Options.InvitationRetention ago: accepted,
// revoked, or expired unanswered (closed when their link expired; sending
// one again before the purge gives it a new expiry). Pending ones stay,
// whatever their age. The audit log keeps each invitation's history by its
// number, which names no row. The janitor calls it each run; several may
// run at once (rows are claimed with SKIP LOCKED). It returns how many went.
func (s *Service) PurgeInvitations(ctx context.Context) (int64, error) {
	ctx = unscoped(ctx)
	cutoff := s.now().Add(-s.opt.InvitationRetention)
	var total int64
	for {
		tag, err := s.db.Exec(ctx, `DELETE FROM invitations WHERE id IN (SELECT id FROM invitations
			WHERE accepted_at < $1 OR revoked_at < $1 OR (accepted_at IS NULL AND revoked_at IS NULL AND expires_at < $1)
			LIMIT $2 FOR UPDATE SKIP LOCKED)`, cutoff, invitationPurgeBatch)
		if err != nil {
			return total, fmt.Errorf("staff: purge invitations: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < invitationPurgeBatch {
			return total, nil
		}
	}
}
