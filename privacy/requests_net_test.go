package privacy_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/postbode/postbode/privacy"
)

// TestRequestLimitHoldsForAnIPv6Network: the privacy form mails at most ten
// times request_mails_per_hour per client, so one client cannot make it
// mail many addresses. An IPv6 client holds a /64 and sent each request
// from another address of it, never reaching the limit; the addresses of
// one /64 now count as one client, another /64 on its own.
func TestRequestLimitHoldsForAnIPv6Network(t *testing.T) {
	t.Parallel()
	e, _, _ := requestEnv(t, privacy.Options{RequestMailsPerHour: 1})
	ctx := t.Context()
	for i := range 10 {
		ip := fmt.Sprintf("2001:db8:7:8::%x", 0x10+i)
		if err := e.svc.RequestByEmail(ctx, fmt.Sprintf("p%d@example.net", i), "access", "", ip, "UA", "en"); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if err := e.svc.RequestByEmail(ctx, "p10@example.net", "access", "", "2001:db8:7:8:ffff::1", "UA", "en"); !errors.Is(err, privacy.ErrRateLimited) {
		t.Fatalf("11th request from the same /64: %v, want ErrRateLimited", err)
	}
	if err := e.svc.RequestByEmail(ctx, "p11@example.net", "access", "", "2001:db8:7:9::1", "UA", "en"); err != nil {
		t.Fatalf("another /64: %v", err)
	}
	e.svc.Wait()
}
