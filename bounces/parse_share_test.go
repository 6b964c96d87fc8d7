package bounces

import "testing"

// TestSharedReasonNamingOneAddress: a notice that lists addresses and then
// one reason shares it among them (1&1, Exim), but a reason that names the
// address closing the list is about that address alone: the others listed
// before it get no hard result from it.
func TestSharedReasonNamingOneAddress(t *testing.T) {
	for _, c := range []struct {
		name, body string
		hardA      bool
	}{
		{"reason names b only",
			"This message was created automatically by mail delivery software.\r\n\r\nA message that you sent could not be delivered to one or more of its\r\nrecipients. This is a permanent error. The following address(es) failed:\r\n\r\n  a@example.net\r\n  b@example.net\r\n    SMTP error from remote mail server after RCPT TO:<b@example.net>:\r\n    550 5.1.1 <b@example.net> user unknown\r\n",
			false},
		{"reason shared by both",
			"This message was created automatically by mail delivery software.\r\n\r\nA message that you sent could not be delivered to one or more of its\r\nrecipients. This is a permanent error. The following address(es) failed:\r\n\r\n  a@example.net\r\n  b@example.net\r\n    host mx.example.net said: 550 5.1.2 domain example.net does not exist\r\n",
			true},
	} {
		rep, err := Parse([]byte(textBounce("Subject: Mail delivery failed: returning message to sender\r\n", c.body)))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var hardA, hardB bool
		for _, r := range rep.Results {
			switch r.Recipient {
			case "a@example.net":
				hardA = r.Hard()
			case "b@example.net":
				hardB = r.Hard()
			}
		}
		if !hardB || hardA != c.hardA {
			t.Errorf("%s: hard a=%v b=%v, want a=%v b=true (%+v)", c.name, hardA, hardB, c.hardA, rep.Results)
		}
	}
}
