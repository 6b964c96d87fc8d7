package clientnet_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/postbode/postbode/internal/clientnet"
)

func TestOfAndRange(t *testing.T) {
	for _, tc := range []struct{ in, net, first, last string }{
		{"192.0.2.7", "192.0.2.7/32", "192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7/32", "192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64", "2001:db8:1:2::", "2001:db8:1:2:ffff:ffff:ffff:ffff"},
		{"fe80::1%eth0", "fe80::/64", "fe80::", "fe80::ffff:ffff:ffff:ffff"},
	} {
		a := netip.MustParseAddr(tc.in)
		first, last := clientnet.Range(a)
		if got := clientnet.Of(a).String(); got != tc.net || first.String() != tc.first || last.String() != tc.last {
			t.Errorf("%s: %s %s %s", tc.in, got, first, last)
		}
	}
	if clientnet.Of(netip.Addr{}).IsValid() {
		t.Error("the zero address has a network")
	}
}

func ExampleOf() {
	fmt.Println(clientnet.Of(netip.MustParseAddr("2001:db8::1234")))
	// Output: 2001:db8::/64
}
