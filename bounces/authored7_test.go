package bounces

import (
	"path/filepath"
	"testing"
)

// The seventh authored set (testdata/authored7) was written without sight of
// the classifier or of the other sets' messages, in the formats and
// languages of regional mailbox providers and ISPs: KPN, Ziggo, XS4ALL,
// TransIP, Telenet and Proximus (Dutch and French), Orange, SFR, Free and La
// Poste, Libero, Virgilio/TIM, Aruba and Register.it (Italian), T-Online,
// GMX, WEB.DE, IONOS and Strato (German), Seznam and Centrum (Czech), WP,
// Onet, Interia, home.pl and nazwa.pl (Polish), Yandex, Mail.ru, Rambler
// and ukr.net (Russian and Ukrainian), NetEase, QQ, Sina, Sohu and Aliyun
// (Chinese), Naver and Daum (Korean), Yahoo Japan, docomo, OCN, Nifty,
// Biglobe and SoftBank (Japanese), UOL, BOL, Terra, iG, Prodigy and
// Fibertel (Portuguese and Spanish), Rediffmail, and Scandinavian,
// Hungarian, Greek and Turkish providers.

// TestAuthored7Bounces scores the seventh authored set.
func TestAuthored7Bounces(t *testing.T) {
	scoreAuthored(t, authoredSet{
		dir:     filepath.Join("testdata", "authored7"),
		minRows: 125,
		minPerReason: map[string]int{"userunknown": 30, "mailboxfull": 15, "blocked": 11, "spamdetected": 10,
			"suspend": 8, "hostunknown": 6, "notaccept": 5, "authfailure": 5, "toomanyconn": 5},
		floorRecipient:   0,
		floorHard:        0,
		floorStatus:      0,
		floorPrecision:   0,
		floorRecall:      0,
		ceilingFalseHard: 100,
	})
}
