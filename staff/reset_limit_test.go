package staff_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postbode/postbode/staff"
)

// TestResetRequestsAreLimitedPerAccount: "Forgot your password?" takes
// an address from anyone, so an account gets at most ResetLinksPerHour
// reset links an hour: more requests answer the same (nothing is said)
// but mail nothing and leave the last link working. Another account is
// not affected, and after the hour links come again.
func TestResetRequestsAreLimitedPerAccount(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("ann@example.org", "viewer")
	f.person("bob@example.org", "viewer")
	var last string
	for i := range staff.ResetLinksPerHour {
		_, secret, err := f.svc.RequestReset(t.Context(), "ann@example.org")
		if err != nil || secret == "" {
			t.Fatalf("reset request %d: %q %v", i+1, secret, err)
		}
		last = secret
	}
	for range 5 {
		if err := f.svc.SendReset(t.Context(), "ann@example.org"); err != nil {
			t.Fatalf("a reset request over the limit is an error: %v", err)
		}
	}
	f.svc.Wait()
	var links int
	if err := f.db.QueryRow(t.Context(), `SELECT count(*) FROM person_links l JOIN persons p ON p.id = l.person_id
		WHERE p.email = 'ann@example.org' AND l.kind = 'reset'`).Scan(&links); err != nil || links != staff.ResetLinksPerHour {
		t.Fatalf("reset links made: %d %v, want %d", links, err, staff.ResetLinksPerHour)
	}
	if _, _, err := f.svc.RequestReset(t.Context(), "bob@example.org"); err != nil {
		t.Fatalf("another account's reset: %v", err)
	}
	if _, err := f.svc.ResetPassword(t.Context(), last, "a brand new passphrase here"); err != nil {
		t.Fatalf("the last link before the limit: %v", err)
	}
	f.now = f.now.Add(61 * time.Minute)
	if _, secret, err := f.svc.RequestReset(t.Context(), "ann@example.org"); err != nil || secret == "" {
		t.Fatalf("reset request after the hour: %q %v", secret, err)
	}
}

// TestResetLimitHoldsForConcurrentRequests: requests for one address sent
// at once (a script asking twenty times in parallel) still make at most
// ResetLinksPerHour links: the count and the new link are one step.
func TestResetLimitHoldsForConcurrentRequests(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("ann@example.org", "viewer")
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := f.svc.RequestReset(t.Context(), "ann@example.org"); err != nil && !strings.Contains(err.Error(), "too many reset links") {
				t.Errorf("reset request: %v", err)
			}
		}()
	}
	wg.Wait()
	var links int
	if err := f.db.QueryRow(t.Context(), `SELECT count(*) FROM person_links l JOIN persons p ON p.id = l.person_id
		WHERE p.email = 'ann@example.org' AND l.kind = 'reset'`).Scan(&links); err != nil || links > staff.ResetLinksPerHour {
		t.Fatalf("reset links made by concurrent requests: %d %v, want at most %d", links, err, staff.ResetLinksPerHour)
	}
}
