package staff_test

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"github.com/postbode/postbode/staff"
)

// TestLoginLockoutHoldsForAnIPv6Network: an IPv6 client holds a whole /64
// (RFC 4291 §2.5.4) and can send every login from another address of it.
// The lockout per client address, which bounds guessing one password
// against many accounts, counted each address apart, so such a client was
// never locked out. Failures from one /64 now count together; another /64
// and IPv4 addresses are counted on their own as before.
func TestLoginLockoutHoldsForAnIPv6Network(t *testing.T) {
	f := newFixture(t, staff.Options{MaxFailures: 100, MaxIPFailures: 5})
	f.person("ann@example.org", "viewer")
	for i := range 5 {
		ip := netip.MustParseAddr(fmt.Sprintf("2001:db8:1:2::%x", 0x100+i))
		_, _, _, err := f.svc.Login(t.Context(), staff.LoginInput{Email: fmt.Sprintf("guess%d@example.org", i),
			Password: "wrong password!!", IP: ip})
		if !errors.Is(err, staff.ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	if _, _, err := f.login("ann@example.org", "", netip.MustParseAddr("2001:db8:1:2:ffff::1")); !errors.Is(err, staff.ErrLocked) {
		t.Fatalf("another address of the same /64: %v, want locked", err)
	}
	if _, _, err := f.login("ann@example.org", "", netip.MustParseAddr("2001:db8:1:3::1")); err != nil {
		t.Fatalf("another /64: %v", err)
	}
	if _, _, err := f.login("ann@example.org", "", netip.MustParseAddr("192.0.2.9")); err != nil {
		t.Fatalf("an IPv4 address: %v", err)
	}
}
