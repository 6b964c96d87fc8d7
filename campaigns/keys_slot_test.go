package campaigns

import (
	"testing"

	"github.com/postbode/postbode/internal/redisconn"
)

// TestKeysOfEachScriptShareASlot walks every script, transaction and
// multi-key command of the queue with the keys its caller builds, and
// checks that they hash to one Redis Cluster slot (a Cluster refuses them
// otherwise), while different campaigns spread over slots.
func TestKeysOfEachScriptShareASlot(t *testing.T) {
	s := &Service{opt: Options{KeyPrefix: "pb:prod:"}}
	slots := map[int]bool{}
	for _, id := range []int64{1, 42, 7777, 1 << 40} {
		var claims []string
		for _, contact := range []int64{1, 2, 99, 123456789} {
			claims = append(claims, s.claimKey(id, contact))
		}
		units := map[string][]string{
			"claimScript (claim)":          claims,
			"moveDueScript (moveDue)":      {s.retryKey(id), s.streamKey(id)},
			"MULTI XLEN ZCARD (queueLen)":  {s.streamKey(id), s.retryKey(id)},
			"DEL of claims (ack, release)": claims,
		}
		for name, keys := range units {
			if ok, a, b := redisconn.SameSlot(keys); !ok {
				t.Errorf("campaign %d: %s spans slots: %q (%d) and %q (%d)", id, name, a, redisconn.Slot(a), b, redisconn.Slot(b))
			}
		}
		slots[redisconn.Slot(s.streamKey(id))] = true
	}
	if len(slots) < 3 {
		t.Errorf("4 campaigns use %d slots: campaigns should spread over a Cluster", len(slots))
	}
}
