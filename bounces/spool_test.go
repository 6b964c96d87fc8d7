package bounces

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAddressesIn(t *testing.T) {
	raw := "From: MAILER-DAEMON@mx.Remote.test\r\nTo: <b1234@bounces.example.net>\r\n\r\n" +
		"Final-Recipient: rfc822;Zoe.Ha+news@Example.ORG.\r\n'quoted'@x.example, no@domain, @alone, a@@b.c\r\n"
	got := addressesIn([]byte(raw))
	want := []string{"mailer-daemon@mx.remote.test", "b1234@bounces.example.net", "zoe.ha+news@example.org", "quoted@x.example"}
	if !slices.Equal(got, want) {
		t.Fatalf("addressesIn = %q, want %q", got, want)
	}
}

// Scanning is linear: a 10 MiB message of addresses or of '@' junk takes
// well under a second (it runs before the listener answers 250).
func TestAddressesInIsFast(t *testing.T) {
	for name, raw := range map[string]string{
		"text": strings.Repeat("Hello world, a line of text with user@example.org and <a.b@c.de> inside.\r\n", 140000),
		"junk": strings.Repeat(strings.Repeat("a", 83)+"@", 120000),
		"ats":  strings.Repeat("@", 10<<20),
	} {
		t0 := time.Now()
		addressesIn([]byte(raw))
		if d := time.Since(t0); d > time.Second {
			t.Errorf("%s: %d bytes took %v", name, len(raw), d)
		}
	}
}
