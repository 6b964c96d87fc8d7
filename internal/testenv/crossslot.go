package testenv

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/internal/redisconn"
)

// CrossSlotHook is a go-redis hook that fails T when one unit Redis Cluster
// runs on one node — a script, a MULTI/EXEC transaction or a multi-key
// command — names keys of more than one hash slot. A Cluster refuses those
// (CROSSSLOT); a single server does not, so without the hook a spanning
// script would pass every test and fail only in production.
type CrossSlotHook struct{ T testing.TB }

// DialHook implements redis.Hook.
func (h CrossSlotHook) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook: it checks one command.
func (h CrossSlotHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.check("command "+cmd.Name(), redisconn.CommandKeys(cmd.Args()))
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook: a plain pipeline is checked
// command by command (a Cluster client splits it by slot); a transaction
// (MULTI … EXEC) as one.
func (h CrossSlotHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		tx := len(cmds) > 0 && cmds[0].Name() == "multi"
		var all, names []string
		for _, c := range cmds {
			keys := redisconn.CommandKeys(c.Args())
			if !tx {
				h.check("command "+c.Name()+" in a pipeline", keys)
				continue
			}
			all = append(all, keys...)
			if len(keys) > 0 {
				names = append(names, c.Name())
			}
		}
		if tx {
			h.check("transaction of "+strings.Join(names, ","), all)
		}
		return next(ctx, cmds)
	}
}

func (h CrossSlotHook) check(what string, keys []string) {
	if ok, a, b := redisconn.SameSlot(keys); !ok {
		h.T.Errorf("Redis Cluster: %s touches keys of two hash slots: %q (slot %d) and %q (slot %d); give them one hash tag",
			what, a, redisconn.Slot(a), b, redisconn.Slot(b))
	}
}

var _ redis.Hook = CrossSlotHook{}
