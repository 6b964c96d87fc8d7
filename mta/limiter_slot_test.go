package mta

import (
	"testing"

	"github.com/postbode/postbode/internal/redisconn"
)

// TestLimiterKeysShareASlotPerDomain: each limiter script takes one key;
// a domain's keys share its slot whatever the domain's spelling (a brace in
// a domain must not change the hash tag), and domains spread over slots.
func TestLimiterKeysShareASlotPerDomain(t *testing.T) {
	l := &Limiter{prefix: "pb:prod:"}
	slots := map[int]bool{}
	for _, d := range []string{"example.org", "Example.ORG.", "gmail.com", "a{b}.example", "x}y{.example", "outlook.com"} {
		keys := []string{l.domainKey(d, "rate"), l.domainKey(d, "conc")}
		if ok, a, b := redisconn.SameSlot(keys); !ok {
			t.Errorf("domain %q: keys span slots: %q and %q", d, a, b)
		}
		slots[redisconn.Slot(keys[0])] = true
	}
	if l.domainKey("Example.ORG.", "rate") != l.domainKey("example.org", "rate") {
		t.Error("one domain, two spellings, two buckets")
	}
	if len(slots) < 4 {
		t.Errorf("6 domains (5 distinct) use %d slots: domains should spread over a Cluster", len(slots))
	}
}
