package bounces

import (
	"slices"
	"strings"
	"testing"
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

// linearInputs are 10 MiB messages of text with addresses and of '@' junk
// that a scanner with backtracking takes seconds on (a regular expression
// took 11 s) and a linear one milliseconds. The scan runs before the
// listener answers 250; BenchmarkAddressesIn measures it.
func linearInputs() map[string]string {
	return map[string]string{
		"text": strings.Repeat("Hello world, a line of text with user@example.org and <a.b@c.de> inside.\r\n", 140000),
		"junk": strings.Repeat(strings.Repeat("a", 83)+"@", 120000),
		"ats":  strings.Repeat("@", 10<<20),
	}
}

// On the large inputs the scan finds what is there and no more.
func TestAddressesInLargeInputs(t *testing.T) {
	in := linearInputs()
	if got := addressesIn([]byte(in["text"])); !slices.Equal(got, []string{"user@example.org", "a.b@c.de"}) {
		t.Errorf("text: %q", got)
	}
	for _, name := range []string{"junk", "ats"} {
		if got := addressesIn([]byte(in[name])); len(got) != 0 {
			t.Errorf("%s: %d addresses, want none", name, len(got))
		}
	}
}

func BenchmarkAddressesIn(b *testing.B) {
	for name, raw := range linearInputs() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				addressesIn([]byte(raw))
			}
		})
	}
}
