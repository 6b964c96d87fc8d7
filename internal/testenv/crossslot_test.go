package testenv

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/internal/redisconn"
)

// recordTB collects Errorf calls instead of failing.
type recordTB struct {
	testing.TB
	errs []string
}

func (r *recordTB) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// The hook catches a script, a transaction and a DEL whose keys span slots,
// and lets the same through when the keys share one hash tag.
func TestCrossSlotHookCatchesSpanningKeys(t *testing.T) {
	ctx := context.Background()
	rdb, err := redisconn.Open(ctx, redisconn.Settings{URL: RedisURL()})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	rec := &recordTB{TB: t}
	rdb.AddHook(CrossSlotHook{T: rec})
	prefix := "pbt:" + randHex(6) + ":"
	defer func() {
		for _, k := range []string{"{a}x", "{a}y", "{b}y"} {
			rdb.Del(ctx, prefix+k)
		}
	}()
	script := redis.NewScript(`return #KEYS`)
	run := func(tagA, tagB string) {
		script.Run(ctx, rdb, []string{prefix + "{" + tagA + "}:q", prefix + "{" + tagB + "}:q"})
		rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Incr(ctx, prefix+"{"+tagA+"}x")
			p.Incr(ctx, prefix+"{"+tagB+"}y")
			return nil
		})
		rdb.Del(ctx, prefix+"{"+tagA+"}z", prefix+"{"+tagB+"}z")
	}
	run("a", "b")
	all := strings.Join(rec.errs, "\n")
	for _, want := range []string{"command evalsha", "transaction of incr,incr", "command del"} {
		if !strings.Contains(all, want) {
			t.Errorf("no report of %s in %v", want, rec.errs)
		}
	}
	rec.errs = nil
	run("a", "a")
	if len(rec.errs) != 0 {
		t.Errorf("keys with one hash tag reported: %v", rec.errs)
	}
}
