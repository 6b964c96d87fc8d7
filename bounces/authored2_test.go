package bounces

import (
	"path/filepath"
	"testing"
)

// The second authored set (testdata/authored2) was written without sight of
// the classifier or of the first set, from the documented replies and bounce
// templates of mail systems the first set does not cover: Outlook.com, AOL,
// iCloud, GMX and WEB.DE, Yandex, Mail.ru, Orange, T-Online, Comcast, AT&T,
// Verizon, Zoho, Proton, Fastmail, hMailServer, SmarterMail, Axigen, Oracle
// Messaging Server, mailing lists, Google Groups, Japanese mobile carriers,
// X.400 gateways, qmail-ldap and mail gateways (Symantec MessageLabs, McAfee,
// Trend Micro, FortiMail, Cisco Secure Email).

// TestAuthored2Bounces scores the second authored set; its floors are the
// scores the classification had when the set was first measured, unseen.
func TestAuthored2Bounces(t *testing.T) {
	scoreAuthored(t, authoredSet{
		dir:     filepath.Join("testdata", "authored2"),
		minRows: 70,
		minPerReason: map[string]int{"userunknown": 15, "blocked": 8, "policyviolation": 6, "hostunknown": 2,
			"securityerror": 4, "mailboxfull": 5, "expired": 3},
		floorRecipient:   98.7,
		floorHard:        97.4,
		floorStatus:      93.5,
		floorPrecision:   100,
		floorRecall:      92.0,
		ceilingFalseHard: 0,
	})
}
