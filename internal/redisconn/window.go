package redisconn

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Count adds n (which may be 0 to read, or negative to give back) to the
// counter key for the fixed window of length window that now falls in, and
// returns the window's total. The window's start is part of the key
// (key:<window index>), and the key expires two windows after it was last
// touched, so a counter never outlives its window for long and no EXPIRE NX
// is needed (plain EXPIRE works on every Redis version). One key per call:
// safe on a Redis Cluster.
func Count(ctx context.Context, rdb redis.UniversalClient, key string, n int64, window time.Duration, now time.Time) (int64, error) {
	k := WindowKey(key, window, now)
	var incr *redis.IntCmd
	_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.IncrBy(ctx, k, n)
		p.Expire(ctx, k, 2*window)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return incr.Val(), nil
}

// WindowKey is the name of key's counter for the fixed window of length
// window that now falls in (key:<window index>), the naming Count uses; a
// caller that batches its own commands (a pipeline of HINCRBY) names its
// windows with it too, and expires each two windows after the last touch.
func WindowKey(key string, window time.Duration, now time.Time) string {
	return key + ":" + strconv.FormatInt(now.UnixNano()/int64(window), 36)
}
