package bounces

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The authored set (testdata/authored) holds bounce messages written from the
// mail systems' own documentation and bounce templates — Postfix, Exim,
// Sendmail, qmail, Courier, OpenSMTPD, Haraka, Exchange and Microsoft 365,
// Gmail, Yahoo, Domino, GroupWise, MDaemon, Kerio, IceWarp, mail gateways and
// sending services — independently of the shared corpus. It measures how the
// classification holds on wording it was not built from. Its expected.tsv
// has the corpus columns plus the failed recipient.

// authoredRow is one line of testdata/authored/expected.tsv.
type authoredRow struct {
	file, status, replyCode, reason, recipient string
	index                                      int
	hard                                       bool
}

func readAuthored(t testing.TB, dir string) []authoredRow {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "expected.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []authoredRow
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if line == 1 {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 7 {
			t.Fatalf("%s line %d: %d columns, want 7", f.Name(), line, len(c))
		}
		idx, err := strconv.Atoi(c[1])
		if err != nil || idx < 1 {
			t.Fatalf("%s line %d: index %q", f.Name(), line, c[1])
		}
		if c[5] != "true" && c[5] != "false" {
			t.Fatalf("%s line %d: hardbounce %q", f.Name(), line, c[5])
		}
		rows = append(rows, authoredRow{file: c[0], index: idx, status: c[2], replyCode: c[3],
			reason: c[4], hard: c[5] == "true", recipient: c[6]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// authoredScore tallies one slice of the authored set.
type authoredScore struct {
	rows, recipient, hard, status, reason int
	// hard confusion: tp called hard and is; fp called hard and is not;
	// fn is hard, not called so.
	tp, fp, fn, tn int
}

func (s *authoredScore) add(row authoredRow, r *Result) {
	s.rows++
	got := false
	if r != nil {
		got = r.Hard()
		if r.Recipient == row.recipient {
			s.recipient++
		}
		if r.Status == row.status {
			s.status++
		}
		if r.Reason == row.reason {
			s.reason++
		}
	}
	if got == row.hard {
		s.hard++
	}
	switch {
	case got && row.hard:
		s.tp++
	case got && !row.hard:
		s.fp++
	case !got && row.hard:
		s.fn++
	default:
		s.tn++
	}
}

func pct(n, d int) float64 {
	if d == 0 {
		return 100
	}
	return 100 * float64(n) / float64(d)
}

func (s authoredScore) String() string {
	return fmt.Sprintf("rows=%3d recipient=%5.1f%% hard/soft=%5.1f%% status=%5.1f%% reason=%5.1f%% false-hard=%d missed-hard=%d",
		s.rows, pct(s.recipient, s.rows), pct(s.hard, s.rows), pct(s.status, s.rows), pct(s.reason, s.rows), s.fp, s.fn)
}

var authoredFamily = regexp.MustCompile(`^eml/([a-z0-9]+)-\d+\.eml$`)

// authoredSet describes one directory of authored messages: its size and
// spread requirements and the floors measured when it was last scored.
type authoredSet struct {
	dir     string // under testdata
	minRows int
	// minPerReason: the least number of rows each of these reasons must have.
	minPerReason                                                        map[string]int
	floorRecipient, floorHard, floorStatus, floorPrecision, floorRecall float64
	ceilingFalseHard                                                    float64
}

// TestAuthoredBounces scores the first authored set (testdata/authored).
func TestAuthoredBounces(t *testing.T) {
	scoreAuthored(t, authoredSet{
		dir:     "authored",
		minRows: 100,
		minPerReason: map[string]int{"filtered": 8, "securityerror": 8, "rejected": 8, "mailererror": 8,
			"blocked": 8, "userunknown": 8, "hostunknown": 8, "notaccept": 8},
		floorRecipient:   99.0,
		floorHard:        95.0,
		floorStatus:      97.5,
		floorPrecision:   92.5,
		floorRecall:      92.5,
		ceilingFalseHard: 4.0,
	})
}

// authoredSets are the second to eighth authored sets, each with the least
// size and spread it must keep and the floors of its scores (the scores
// measured when it was last scored, rounded down: raise them when the
// classification improves, never lower them to let a change through).
// Fields: directory under testdata, least rows, least rows per reason,
// floors for recipient, hard/soft, status, hard precision and recall, and
// the ceiling of the false-hard rate.
var authoredSets = []authoredSet{
	// The second authored set (testdata/authored2) was written without sight of
	// the classifier or of the first set, from the documented replies and bounce
	// templates of mail systems the first set does not cover: Outlook.com, AOL,
	// iCloud, GMX and WEB.DE, Yandex, Mail.ru, Orange, T-Online, Comcast, AT&T,
	// Verizon, Zoho, Proton, Fastmail, hMailServer, SmarterMail, Axigen, Oracle
	// Messaging Server, mailing lists, Google Groups, Japanese mobile carriers,
	// X.400 gateways, qmail-ldap and mail gateways (Symantec MessageLabs, McAfee,
	// Trend Micro, FortiMail, Cisco Secure Email).
	//
	// authored2: the second authored set. Measured blind, before
	// any rule was written with the set in view: recipient 98.7%, hard/soft
	// 97.4%, status 93.5%, hard precision 100%, recall 92.0%, false hards 0%.
	// The floors are the scores after the rules it led to (see the README).
	{"authored2", 70, map[string]int{"userunknown": 15, "blocked": 8, "policyviolation": 6, "hostunknown": 2, "securityerror": 4, "mailboxfull": 5, "expired": 3}, 98.7, 100, 96.1, 100, 100, 0},
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
	//
	// authored3: the third authored set. Measured blind, before
	// any rule was written with the set in view: recipient 100%, hard/soft 96.7%,
	// status 89.4%, hard precision 100%, recall 88.9%, false hards 0%. The floors
	// were raised to the scores after labels were corrected and rules written
	// with the set in view (see its README): status 94.3%, the rest unchanged;
	// then, with Mercury/32's and CommuniGate Pro's statements about their own
	// users, hard/soft 98.4%, status 95.9%, recall 94.4%; then, with CommuniGate
	// Pro's resolver wording and the recipient's own filter or rules named
	// before the sender and block rules, hard/soft 99.1%, status 99.1%, recall
	// 97.2%.
	{"authored3", 110, map[string]int{"filtered": 8, "securityerror": 8, "rejected": 8, "mailererror": 8, "blocked": 8, "userunknown": 8, "hostunknown": 8, "notaccept": 8, "mailboxfull": 8, "spamdetected": 8, "expired": 8, "suspend": 8}, 100, 99.1, 99.1, 100, 97.2, 0},
	// The fourth authored set (testdata/authored4) was written without sight of
	// the classifier or of the other sets' messages, from the report formats
	// most common in public bounce material that the earlier sets cover thinly:
	// Lotus Notes/Domino, IMail Server, Courier, Post.Office (Verizon, EZweb),
	// Yahoo and AOL legacy, Hotmail legacy replies, Exchange 2003 and 2007 NDRs,
	// old Sendmail transcripts, Exim, Postfix (delays, DNS, local delivery,
	// loops), qmail and vpopmail, Japanese carriers, ARF and JMRP complaints,
	// RFC 3834 automatic replies, Amazon SES, SendGrid and Mailgun bounce mails,
	// Gmail reports with several recipients, NDRs in German, French, Spanish,
	// Dutch, Japanese and Portuguese, encoded bodies and malformed reports.
	//
	// authored4: the fourth authored set. Measured blind, before
	// any rule was written with the set in view: recipient 99.1%, hard/soft 93.9%,
	// status 94.8%, hard precision 100%, recall 87.9%, false hards 0 of 57. The
	// floors are the scores after one label was corrected to the corpus
	// convention (see its README) and the rules it led to (short phrases as
	// whole words, Domino's Name & Address Book; then the Post.Office and
	// Exchange 2003 texts for a domain that does not resolve, and JMRP's
	// complaint without a feedback-report part; then Domino's German directory
	// statement and IMail's "mailbox exceeds allowed size"), rounded down.
	{"authored4", 110, map[string]int{"userunknown": 30, "mailboxfull": 15, "hostunknown": 10, "expired": 6, "networkerror": 5, "feedback": 5, "vacation": 4}, 100, 99.1, 98.2, 100, 98.2, 0},
	// The fifth authored set (testdata/authored5) was written without sight of
	// the classifier or of the other sets' messages, from the current report
	// formats and replies that the earlier sets cover thinly: Microsoft 365 NDRs
	// (English, French and German, with and without a delivery-status part),
	// Gmail and Google Workspace replies and DSNs, Yahoo and AOL, Apple iCloud,
	// Proton, Fastmail, Zoho, Mail.ru and Yandex (Russian), GMX, T-Online and a
	// German qmail template, Orange (French), Aruba (Italian), Movistar
	// (Spanish), UOL (Portuguese), NetEase, Sina and QQ (Chinese), mail gateways
	// (Barracuda, Mimecast, Proofpoint, Cisco, Sophos, Trend Micro, FortiMail,
	// SpamExperts), Amazon SES notifications delivered by SNS e-mail, null MX,
	// TLS, DANE and STARTTLS failures, greylisting, connection limits, size
	// limits, ARF complaints, automatic replies and unusual DSNs.
	//
	// authored5: the fifth authored set. Measured blind,
	// before any rule was written with the set in view: recipient 99.1%,
	// hard/soft 95.6%, status 94.7%, hard precision 100%, recall 86.4%, false
	// hards 0 of 78; two labels were corrected to the corpus convention after
	// that run (see its README). The floors are the scores after the rules it
	// led to: recipient, hard/soft, status, precision and recall 100%, no
	// false hard.
	{"authored5", 110, map[string]int{"userunknown": 30, "mailboxfull": 12, "blocked": 12, "authfailure": 5, "policyviolation": 5, "feedback": 4, "vacation": 3}, 100, 100, 100, 100, 100, 0},
	// The sixth authored set (testdata/authored6) was written without sight of
	// the classifier or of the other sets' messages, in the formats of older and
	// rarer mail systems and gateways: Sendmail 8.13 to 8.17 (local mailer,
	// warnings, null MX), qmail, netqmail and vpopmail, Courier, Exim 3 and 4,
	// Lotus Domino (English and German), Novell GroupWise, MDaemon, hMailServer,
	// Kerio, Zimbra, SmarterMail, Axigen, IceWarp and Merak, MailEnable, Oracle
	// (Sun Java System) Messaging Server, Exchange 2007 to 2019 (English, German,
	// French), MX Logic, MessageLabs, Postini, an X.400 gateway, Google Groups,
	// Mailman, Japanese (ISO-2022-JP) and Korean (EUC-KR) providers, RFC 3464
	// edge cases (no Final-Recipient, X-Actual-Recipient, relayed and expanded
	// groups, folded and 8-bit fields, a report forwarded as message/rfc822),
	// conflicting evidence, ARF complaints and automatic replies.
	//
	// authored6: the sixth authored set. Measured blind, before
	// any rule was written with the set in view (120 rows): recipient 97.5%
	// (117/120), hard/soft 92.5% (111/120), status 94.2% (113/120), reason 80.8%
	// (97/120), hard precision 100% (43/43), recall 82.7% (43/52), false hards 0
	// of 68 not-hard rows. The floors are the scores after the rules the set
	// led to (text parts read in their declared charset, an X-Unix LMTP reply
	// read by its code, success codes of transcripts passed over, Japanese and
	// Korean wording and labels, X.400 unrecognised-OR-name, Domino's German
	// report): recipient 100%, hard/soft 97.5%, status 99.2%, precision 100%,
	// recall 94.2%, no false hard. Since a spam filter's name is no spam
	// verdict (postfix-16): hard/soft 98.3%, recall 96.2%.
	{"authored6", 115, map[string]int{"userunknown": 38, "mailboxfull": 20, "hostunknown": 8, "notaccept": 3, "spamdetected": 4, "expired": 4, "rejected": 3, "norelaying": 3, "blocked": 3}, 100, 98, 99, 100, 96, 0},
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
	//
	// authored7: the seventh authored set. Measured blind,
	// before the classifier was read (133 rows): recipient 99.2% (132/133),
	// hard/soft 97.7% (130/133), status 96.2% (128/133), reason 88.7%, hard
	// precision 100% (39/39), recall 92.9% (39/42), false hards 0 of 91
	// not-hard rows. The floors are the scores after three labels were brought
	// to the corpus convention and the rules the set led to (Exim's "This is a
	// permanent error" and unknown-user, unknown-sender, mailbox-full and
	// block-list wording in more languages, recipient labels of localized
	// notices): recipient 100%, hard/soft 98.5%, status 98.5%, precision 100%,
	// recall 95.2%, no false hard.
	{"authored7", 125, map[string]int{"userunknown": 30, "mailboxfull": 15, "blocked": 11, "spamdetected": 10, "suspend": 8, "hostunknown": 6, "notaccept": 5, "authfailure": 5, "toomanyconn": 5}, 100, 98, 98, 100, 95, 0},
	// The eighth authored set (testdata/authored8) was written without sight of
	// the classifier's rules, in the wording of security gateways (Barracuda,
	// Proofpoint and Proofpoint Essentials, Mimecast, Cisco Secure Email,
	// Sophos, Trend Micro, FortiMail, MessageLabs, Hornetsecurity, SpamTitan),
	// Microsoft 365 / EOP NDRs with their 5.7.x and 5.4.x codes, Gmail and
	// Google Workspace, Amazon SES, hosted mail servers (Zimbra, Kerio, Axigen,
	// hMailServer, SmarterMail, MailEnable) and less common MTAs (Stalwart,
	// OpenSMTPD, Haraka, maddy, chasquid, Apache James), with conflicting
	// evidence on purpose.
	//
	// authored8: measured blind, before any rule was written with the set in
	// view (119 rows): recipient 100%, hard/soft 97.5% (116/119), status 98.3%
	// (117/119), reason 83.2%, hard precision 95.2% (40/42), recall 97.6%
	// (40/41), false hards 2 of 78 not-hard rows (2.6%). Five labels were then
	// corrected to the corpus conventions (see its README). The floors are the
	// scores after the rules the set led to (a spam filter's name is no spam
	// verdict; a list of blocked senders refuses the sender): recipient 100%,
	// hard/soft 99.2%, status 100%, precision 100% (43/43), recall 97.7%
	// (43/44), no false hard.
	{"authored8", 115, map[string]int{"userunknown": 30, "blocked": 8, "rejected": 6, "mailboxfull": 6, "hostunknown": 6, "notaccept": 4, "authfailure": 4, "securityerror": 3, "mailererror": 3}, 100, 99, 100, 100, 97, 0},
}

// TestAuthoredSets scores each of authoredSets as a subtest named by its
// directory (go test -run 'TestAuthoredSets/authored7').
func TestAuthoredSets(t *testing.T) {
	for _, set := range authoredSets {
		t.Run(set.dir, func(t *testing.T) { scoreAuthored(t, set) })
	}
}

// scoreAuthored parses every message of an authored set and compares the
// recipient, hard/soft, status and reason with its expected.tsv. It logs the
// scores per sending family and per expected reason, hard precision and
// recall and the false-hard rate, names every miss, and fails below the
// set's floors.
func scoreAuthored(t *testing.T, set authoredSet) {
	t.Helper()
	dir := filepath.Join("testdata", set.dir)
	rows := readAuthored(t, dir)
	// The set must keep its size and its spread over the reasons that are
	// most often misjudged, or the floors below mean little.
	perReason := map[string]int{}
	for _, row := range rows {
		perReason[row.reason]++
	}
	if len(rows) < set.minRows {
		t.Fatalf("%s has %d rows, want >= %d", set.dir, len(rows), set.minRows)
	}
	for reason, min := range set.minPerReason {
		if perReason[reason] < min {
			t.Errorf("%s has %d %s rows, want >= %d", set.dir, perReason[reason], reason, min)
		}
	}

	var all authoredScore
	byFamily := map[string]*authoredScore{}
	byReason := map[string]*authoredScore{}
	reports := map[string]*Report{}
	for _, row := range rows {
		m := authoredFamily.FindStringSubmatch(row.file)
		if m == nil {
			t.Fatalf("%s: file name is not eml/<family>-NN.eml", row.file)
		}
		rep, ok := reports[row.file]
		if !ok {
			raw, err := os.ReadFile(filepath.Join(dir, row.file))
			if err != nil {
				t.Fatal(err)
			}
			rep, err = Parse(raw)
			if err != nil {
				t.Fatalf("%s: %v", row.file, err)
			}
			reports[row.file] = rep
		}
		var r *Result
		if row.index <= len(rep.Results) {
			r = &rep.Results[row.index-1]
		}
		for _, s := range []*authoredScore{&all, tally(byFamily, m[1]), tally(byReason, row.reason)} {
			s.add(row, r)
		}
		if r == nil {
			t.Logf("MISS %s #%d: no result (have %d); want %s %s hard=%v", row.file, row.index, len(rep.Results),
				row.reason, row.status, row.hard)
			continue
		}
		var miss []string
		if r.Recipient != row.recipient {
			miss = append(miss, fmt.Sprintf("recipient=%q want %q", r.Recipient, row.recipient))
		}
		if r.Hard() != row.hard {
			kind := "missed hard"
			if r.Hard() {
				kind = "FALSE HARD"
			}
			miss = append(miss, fmt.Sprintf("%s (class=%s)", kind, r.Class))
		}
		if r.Status != row.status {
			miss = append(miss, fmt.Sprintf("status=%q want %q", r.Status, row.status))
		}
		if r.Reason != row.reason {
			miss = append(miss, fmt.Sprintf("reason=%q want %q", r.Reason, row.reason))
		}
		if len(miss) > 0 {
			t.Logf("MISS %s #%d: %s [rule %s] diag=%.140q", row.file, row.index, strings.Join(miss, "; "), r.Rule, r.Diagnostic)
		}
	}

	logScores(t, "family", byFamily)
	logScores(t, "reason", byReason)
	t.Logf("all             %s", all)
	precision := pct(all.tp, all.tp+all.fp)
	recall := pct(all.tp, all.tp+all.fn)
	falseHard := pct(all.fp, all.fp+all.tn)
	t.Logf("hard precision=%.1f%% (%d/%d) recall=%.1f%% (%d/%d) false-hard rate=%.1f%% (%d of %d not-hard rows)",
		precision, all.tp, all.tp+all.fp, recall, all.tp, all.tp+all.fn, falseHard, all.fp, all.fp+all.tn)

	// Floors: the scores measured when the set was last scored, rounded
	// down. Raise them when the classification improves; never lower them
	// to let a change through.
	floors := []struct {
		name      string
		got, want float64
	}{
		{"recipient", pct(all.recipient, all.rows), set.floorRecipient},
		{"hard/soft", pct(all.hard, all.rows), set.floorHard},
		{"status", pct(all.status, all.rows), set.floorStatus},
		{"hard precision", precision, set.floorPrecision},
		{"hard recall", recall, set.floorRecall},
	}
	for _, f := range floors {
		if f.got < f.want {
			t.Errorf("%s %s %.1f%%, want >= %.1f%%", set.dir, f.name, f.got, f.want)
		}
	}
	if falseHard > set.ceilingFalseHard {
		t.Errorf("%s false-hard rate %.1f%%, want <= %.1f%%", set.dir, falseHard, set.ceilingFalseHard)
	}
}

func tally(m map[string]*authoredScore, key string) *authoredScore {
	s, ok := m[key]
	if !ok {
		s = &authoredScore{}
		m[key] = s
	}
	return s
}

func logScores(t *testing.T, kind string, m map[string]*authoredScore) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%-6s %-15s %s", kind, k, m[k])
	}
}
