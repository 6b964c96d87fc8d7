package optin

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/internal/redisconn"
)

// ActionsPerDay is the default number of open or click rows kept per
// contact, campaign, action and link in one day (UTC).
const ActionsPerDay = 5

// actionCapWindow is the window of the cap: one day.
const actionCapWindow = 24 * time.Hour

// ActionCap bounds the evidence the open pixel and the click redirect leave.
// They are GETs anyone holding one mail can repeat at will; only the first
// of them changes the delivery and the campaign's counters, and of the rest
// at most PerDay rows per contact, campaign, action and link a day reach
// recipient_actions (the action log drops the others and counts them in
// postbode_recipient_actions_dropped_total). The counts live in Redis, so
// the cap holds across public nodes and restarts:
//
//	<prefix>act:<hash>:<day>   a hash per contact and day: one field per
//	                           campaign, action and link, each a keyed hash
//
// <hash> is the keyed hash of the contact id (contacts.Store.CounterKey), so
// no key names a contact; a key expires two days after its last touch, and
// Purge deletes a contact's keys at erasure.
type ActionCap struct {
	rdb    redis.UniversalClient
	prefix string
	key    func(kind, v string) string
	perDay int64
}

// NewActionCap returns a cap on rdb under prefix (the installation's Redis
// key prefix); key names the counters (contacts.Store.CounterKey); perDay
// is optional, default ActionsPerDay.
func NewActionCap(rdb redis.UniversalClient, prefix string, key func(kind, v string) string, perDay int64) *ActionCap {
	if perDay <= 0 {
		perDay = ActionsPerDay
	}
	return &ActionCap{rdb: rdb, prefix: prefix, key: key, perDay: perDay}
}

// cappedAction reports whether an action is bounded by the cap: the ones a
// GET records.
func cappedAction(a Action) bool {
	return (a.Action == ActOpen || a.Action == ActClick) && a.ContactID != 0
}

// contactKey is the Redis hash of a contact's counters for the day at falls in.
func (c *ActionCap) contactKey(contactID int64, at time.Time) string {
	return redisconn.WindowKey(c.prefix+"act:"+c.key("contact", strconv.FormatInt(contactID, 10)), actionCapWindow, at)
}

// Admit counts the capped actions of batch (by their time) in one
// pipelined round trip and returns the actions to write, in order, and how
// many of each action were over the cap. It filters batch in place. On a
// Redis error every action is returned (the error says the cap was not
// checked).
func (c *ActionCap) Admit(ctx context.Context, batch []Action) ([]Action, map[string]int, error) {
	incr := make([]*redis.IntCmd, len(batch))
	p := c.rdb.Pipeline()
	for i, a := range batch {
		if !cappedAction(a) {
			continue
		}
		k := c.contactKey(a.ContactID, a.At)
		incr[i] = p.HIncrBy(ctx, k, c.key("action", fmt.Sprintf("%d\x00%s\x00%s", a.CampaignID, a.Action, a.Detail)), 1)
		p.Expire(ctx, k, 2*actionCapWindow)
	}
	if p.Len() == 0 {
		return batch, nil, nil
	}
	if _, err := p.Exec(ctx); err != nil {
		return batch, nil, fmt.Errorf("optin: action cap: %w", err)
	}
	keep := batch[:0]
	var dropped map[string]int
	for i, a := range batch {
		if incr[i] != nil && incr[i].Val() > c.perDay {
			if dropped == nil {
				dropped = map[string]int{}
			}
			dropped[a.Action]++
			continue
		}
		keep = append(keep, a)
	}
	return keep, dropped, nil
}

// Purge deletes the counters of an erased contact (a privacy purge hook):
// the keys of every day that may still exist.
func (c *ActionCap) Purge(ctx context.Context, contactID int64) error {
	now := time.Now()
	p := c.rdb.Pipeline()
	for d := 0; d <= 2; d++ {
		// One DEL per key: they may live on different cluster slots.
		p.Del(ctx, c.contactKey(contactID, now.Add(-time.Duration(d)*actionCapWindow)))
	}
	if _, err := p.Exec(ctx); err != nil {
		return fmt.Errorf("optin: action cap purge: %w", err)
	}
	return nil
}
