package bounces

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/internal/clientnet"
	"github.com/postbode/postbode/internal/redisconn"
	"github.com/postbode/postbode/internal/rtoken"
)

// UnprovenLimits bound how much mail the listener stores that carries no
// recipient token (postmaster@, abuse@, feedback loops, forged or
// uncorrelated reports): such mail is kept as evidence for
// bounces.raw_retention, so without a bound anyone could fill Postgres.
// Mail to a verified VERP or mailto address is not limited per client,
// only per token (PerTokenMessages).
type UnprovenLimits struct {
	// Window is the per-client window; default 1h.
	Window time.Duration
	// PerClientMessages caps unproven messages stored per client IP per
	// Window; default 100.
	PerClientMessages int64
	// PerClientBytes caps the bytes of unproven messages stored per client
	// IP per Window; default 20 MiB.
	PerClientBytes int64
	// DailyBytes caps the bytes of unproven messages stored from all
	// clients per UTC day; default 1 GiB.
	DailyBytes int64
	// PerTokenMessages caps the messages stored for one verified token
	// address (b<token>@, u<token>@) per TokenWindow, from any client: one
	// message sent is answered by a few reports at most, and whoever holds
	// the tokens of their own mail (the mailto address is in every
	// List-Unsubscribe header) must not store mail without bound; default
	// 20 per 24h.
	PerTokenMessages int64
	TokenWindow      time.Duration
}

// UnprovenQuota counts unproven mail in Redis, shared by every inbound node
// with the same Redis and prefix. Client IPs appear only as keyed hashes:
//
//	<prefix>inq:c:{<hash>}:m:<window>   messages of one client
//	<prefix>inq:c:{<hash>}:b:<window>   bytes of one client
//	<prefix>inq:day:b:<day>             bytes of all clients
//	<prefix>inq:t:{<hash>}:<window>     messages to one token address
type UnprovenQuota struct {
	rdb    redis.UniversalClient
	prefix string
	key    func(kind, v string) string
	l      UnprovenLimits
	now    func() time.Time
}

// NewUnprovenQuota returns a quota; key is the installation's keyed counter
// name (contacts.Store.CounterKey), so Redis never holds a client's IP or a
// token address.
func NewUnprovenQuota(rdb redis.UniversalClient, prefix string, key func(kind, v string) string, l UnprovenLimits) *UnprovenQuota {
	if l.Window <= 0 {
		l.Window = time.Hour
	}
	if l.PerClientMessages <= 0 {
		l.PerClientMessages = 1000
	}
	if l.PerClientBytes <= 0 {
		l.PerClientBytes = 100 << 20
	}
	if l.DailyBytes <= 0 {
		l.DailyBytes = 1 << 30
	}
	if l.PerTokenMessages <= 0 {
		l.PerTokenMessages = 20
	}
	if l.TokenWindow <= 0 {
		l.TokenWindow = 24 * time.Hour
	}
	return &UnprovenQuota{rdb: rdb, prefix: prefix, key: key, l: l, now: time.Now}
}

// Over-quota reasons.
const (
	overClient = "client"
	overDaily  = "daily"
)

type quotaKey struct {
	key    string
	window time.Duration
	limit  int64
	n      int64
	why    string
}

func (q *UnprovenQuota) keys(client string, size int64, msgs int64) []quotaKey {
	c := q.prefix + "inq:c:{" + q.key("ip", quotaClient(client)) + "}:"
	return []quotaKey{
		{c + "m", q.l.Window, q.l.PerClientMessages, msgs, overClient},
		{c + "b", q.l.Window, q.l.PerClientBytes, size, overClient},
		{q.prefix + "inq:day:b", 24 * time.Hour, q.l.DailyBytes, size, overDaily},
	}
}

// quotaClient is the part of a client address one share of the quota
// belongs to: its network as clientnet counts it (an IPv6 /64).
func quotaClient(client string) string {
	a, err := netip.ParseAddr(client)
	if err != nil {
		return client
	}
	return clientnet.Of(a).String()
}

// Check reports why client may store no further unproven message now
// ("" when it may), charging nothing.
func (q *UnprovenQuota) Check(ctx context.Context, client string) (string, error) {
	now := q.now()
	for _, k := range q.keys(client, 0, 0) {
		n, err := redisconn.Count(ctx, q.rdb, k.key, 0, k.window, now)
		if err != nil {
			return "", fmt.Errorf("bounces: unproven quota: %w", err)
		}
		if n >= k.limit {
			return k.why, nil
		}
	}
	return "", nil
}

// Take charges one unproven message of size bytes to client and the day.
// When that goes beyond a limit it gives the charge back and reports why;
// refund gives back a granted charge (the message was not stored after all).
func (q *UnprovenQuota) Take(ctx context.Context, client string, size int64) (why string, refund func(), err error) {
	now := q.now()
	ks := q.keys(client, size, 1)
	var taken []quotaKey
	give := func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		for _, k := range taken {
			redisconn.Count(rctx, q.rdb, k.key, -k.n, k.window, now)
		}
	}
	for _, k := range ks {
		n, err := redisconn.Count(ctx, q.rdb, k.key, k.n, k.window, now)
		if err != nil {
			give()
			return "", func() {}, fmt.Errorf("bounces: unproven quota: %w", err)
		}
		taken = append(taken, k)
		if n > k.limit {
			give()
			return k.why, func() {}, nil
		}
	}
	return "", give, nil
}

// TakeToken charges one message to the verified token address rcpt and
// reports whether that goes beyond PerTokenMessages (the charge is given
// back then).
func (q *UnprovenQuota) TakeToken(ctx context.Context, rcpt string) (over bool, err error) {
	key := q.prefix + "inq:t:{" + q.key("token", strings.ToLower(rcpt)) + "}"
	now := q.now()
	n, err := redisconn.Count(ctx, q.rdb, key, 1, q.l.TokenWindow, now)
	if err != nil {
		return false, fmt.Errorf("bounces: token quota: %w", err)
	}
	if n > q.l.PerTokenMessages {
		redisconn.Count(ctx, q.rdb, key, -1, q.l.TokenWindow, now)
		return true, nil
	}
	return false, nil
}

// TokenProven reports whether rcpt is a VERP or mailto-unsubscribe address
// whose token verifies under keys: mail to it is proven and never counted
// against the UnprovenQuota.
func TokenProven(keys *rtoken.Keys, rcpt string) bool {
	c, err := keys.ParseAddress(rcpt)
	return err == nil && (c.Purpose == rtoken.Bounce || c.Purpose == rtoken.Unsubscribe)
}
