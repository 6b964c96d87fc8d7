package bounces

import (
	"path/filepath"
	"testing"
)

// The third authored set (testdata/authored3) was written without sight of
// the classifier or of the other sets' messages, from the documented replies
// and bounce formats of mail systems neither earlier set covers: PowerMTA,
// Momentum/SparkPost, Halon, mox, Dovecot LMTP and Pigeonhole Sieve, Cyrus
// LMTP and Sieve, MailEnable, CommuniGate Pro, Mercury/32, MailSite,
// Exchange 2010/2013/2016 on premises (English, Dutch, German, French),
// cPanel Exim, rspamd, SpamAssassin, amavis, ClamAV, Spamhaus and SpamCop
// listings, Dutch, Belgian, Swiss, French, Italian, Czech and German
// providers and hosters, QQ, NetEase, Naver, Rediffmail, GoDaddy, Rackspace,
// Zimbra and MailChannels.

// TestAuthored3Bounces scores the third authored set. Measured blind, before
// any rule was written with the set in view: recipient 100%, hard/soft 96.7%,
// status 89.4%, hard precision 100%, recall 88.9%, false hards 0%. The floors
// were raised to the scores after labels were corrected and rules written
// with the set in view (see its README): status 94.3%, the rest unchanged;
// then, with Mercury/32's and CommuniGate Pro's statements about their own
// users, hard/soft 98.4%, status 95.9%, recall 94.4%; then, with CommuniGate
// Pro's resolver wording and the recipient's own filter or rules named
// before the sender and block rules, hard/soft 99.1%, status 99.1%, recall
// 97.2%.
func TestAuthored3Bounces(t *testing.T) {
	scoreAuthored(t, authoredSet{
		dir:     filepath.Join("testdata", "authored3"),
		minRows: 110,
		minPerReason: map[string]int{"filtered": 8, "securityerror": 8, "rejected": 8, "mailererror": 8,
			"blocked": 8, "userunknown": 8, "hostunknown": 8, "notaccept": 8, "mailboxfull": 8,
			"spamdetected": 8, "expired": 8, "suspend": 8},
		floorRecipient:   100,
		floorHard:        99.1,
		floorStatus:      99.1,
		floorPrecision:   100,
		floorRecall:      97.2,
		ceilingFalseHard: 0,
	})
}
