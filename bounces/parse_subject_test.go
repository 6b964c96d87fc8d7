package bounces

import "testing"

// TestSubjectAddressIsNotTheCampaignSubject: "Undeliverable: <the
// original's Subject>" quotes the campaign's subject, and an address in it
// (the organisation's own "Vragen? Mail info@...") is not the failed
// recipient: the returned message's To is, and without a returned message
// the Subject that states no failure about the address names no one.
func TestSubjectAddressIsNotTheCampaignSubject(t *testing.T) {
	cases := []struct{ name, raw, want string }{
		{"returned message names the recipient",
			textBounce("Subject: Undeliverable: Vragen? Mail info@stichting.example\r\n",
				"Your message could not be delivered.\r\nThe recipient's mailbox does not exist: 550 user unknown.\r\n\r\n"+
					"------ Original message ------\r\nFrom: Stichting <nieuws@stichting.example>\r\nTo: jan@example.com\r\n"+
					"Subject: Vragen? Mail info@stichting.example\r\n\r\nHallo\r\n"),
			"jan@example.com"},
		{"no returned message",
			textBounce("Subject: Undeliverable: Vragen? Mail info@stichting.example\r\n",
				"Delivery has failed to these recipients or groups:\r\n\r\nJan Jansen\r\nThe e-mail address you entered couldn't be found.\r\n"),
			""},
	}
	for _, c := range cases {
		rep, err := Parse([]byte(c.raw))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for _, r := range rep.Results {
			if r.Recipient != c.want {
				t.Errorf("%s: recipient %q (%s %s), want %q", c.name, r.Recipient, r.Class, r.Reason, c.want)
			}
		}
	}
}

// TestLocalFinalRecipientIsNotTheSender: a DSN whose Final-Recipient is a
// bare local part ("rfc822; news") takes the address the notice names
// with that local part, but never the sender's own address the notice
// quotes ("your message from news@example.org"): that is not who failed.
func TestLocalFinalRecipientIsNotTheSender(t *testing.T) {
	raw := report("message/delivery-status", "Your message from news@example.org could not be delivered to one of its recipients.",
		"Final-Recipient: rfc822;news\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n")
	rep, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Recipient == "news@example.org" {
			t.Errorf("the sender's address taken as the failed recipient: %s %s", r.Class, r.Reason)
		}
	}
}
