package bounces

import "testing"

// TestReview_FiveXXWithoutStatusAndTemporaryWording: since a bare 5xx reply
// code backs an ordinary unknown-user phrase (hardText, "with permanent
// reply code"), a reply with no enhanced status and no command that itself
// says the failure is temporary, or that the refusal came from a sender
// allow list / bulk filter, is called hard — and a hard bounce can erase the
// subscriber. The clause rules already treat "later"/"temporarily" as "not
// dead" (notDead); the phrase path with a bare reply code does not. 554 is
// RFC 5321's "Transaction failed" (end of DATA, greeting), not an address
// refusal.
func TestReview_FiveXXWithoutStatusAndTemporaryWording(t *testing.T) {
	for _, c := range []struct {
		code int
		text string
	}{
		{550, "550 Greylisted, recipient unknown, please try again later"},
		{550, "550 Mailbox not found, your message was classified as bulk"},
		{554, "554 Transaction failed: recipient not found in allow list for sender"},
	} {
		if r := ClassifyReply(c.code, "", c.text); r.Class == Hard {
			t.Errorf("%q: hard (%s: %s); want not hard without a status code or RCPT TO", c.text, r.Reason, r.Rule)
		}
	}
}
