package bounces

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestChooseStatus checks each rule of the status choice: the remote's
// code in the diagnostic against the report's Status field, X.4.7 giving
// way to the code of the actual problem, and the reply code that the
// chosen status code prefaces.
func TestChooseStatus(t *testing.T) {
	for _, c := range []struct {
		name      string
		field     string
		code      int
		codeGiven bool
		diag      string
		want      string
		wantCode  int
		why       string
	}{
		{"a vague Status gives way to the remote's code", "5.0.0", 0, false,
			"550 5.1.1 <a@example.com>: Recipient address rejected: User unknown", "5.1.1", 550, "more precise than the status field 5.0.0"},
		{"a vague code in the diagnostic does not overrule the Status", "5.1.1", 0, false,
			"550 5.0.0 Requested action not taken", "5.1.1", 550, "as the report gives it"},
		{"the remote's specific code wins over another specific Status", "5.0.0", 0, false,
			"554 5.7.1 <a@example.com>: Relay access denied", "5.7.1", 554, "RFC 3464 section 2.3.6"},
		{"a detail 0 gives way to a later specific code", "", 0, false,
			"5.1.0 Unknown address error 550 5.2.2 Mailbox full", "5.2.2", 550, "no status field"},
		{"X.4.7 gives way to the code of the last attempt", "4.4.7", 0, false,
			"554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>", "4.4.2", 421, "RFC 3463 section 3.5"},
		{"X.4.7 alone stays", "", 0, false,
			"4.4.7 Delivery time expired", "4.4.7", 0, ""},
		{"X.4.7 quoting only a vague code stays", "", 0, false,
			"554 4.4.7 Message expired <421 4.0.0 try later>", "4.4.7", 554, ""},
		{"a code of another class than its reply code is not the status", "", 0, false,
			"the server said 550 4.2.2 Mailbox full", "", 550, ""},
		{"the caller's reply code is kept", "", 452, true,
			"421 4.2.2 Mailbox full", "4.2.2", 452, ""},
		{"a success code in the diagnostic is not a failure's status", "5.1.1", 0, false,
			"250 2.1.5 Ok", "5.1.1", 0, ""},
		// Numbers that are not the reply's enhanced status code (RFC 3463
		// section 2, RFC 2034 section 4).
		{"a version number is not a status", "", 0, false,
			"ESMTP Exim 4.94.2 refused", "", 0, ""},
		{"a date is not a status", "", 0, false,
			"on 4.5.21 your host was listed", "", 0, ""},
		{"a subject above 7 is not a status", "", 0, false,
			"(id 5.12.123)", "", 0, ""},
		{"a code in the text of another class than the reply code is not the status", "", 0, false,
			"550 rejected [192.0.2.5] 4.2.1", "", 550, ""},
		{"a code of another class than the caller's reply code is not the status", "", 550, true,
			"Mailbox full 4.2.2", "", 550, ""},
		{"a free code with a detail the registry does not define is not a status", "", 0, false,
			"Rejected at 5.7.606 by policy", "", 0, ""},
		{"the code paired with the reply code wins over one in the text", "", 0, false,
			"Message refused, see 5.2.2 - 550 5.7.1 Blocked by policy", "5.7.1", 550, "no status field"},
		// Codes that are the status.
		{"a code after the reply code", "", 0, false,
			"550 5.1.1 User unknown", "5.1.1", 550, "no status field"},
		{"a code after a continuation line's reply code", "", 0, false,
			"550-5.1.1 The email account that you tried to reach does not exist", "5.1.1", 550, "no status field"},
		{"a quoted code after the reply code", "", 0, false,
			"5.1.0 - Unknown address error 550-'5.2.2 <a@example.jp>... Mailbox Full'", "5.2.2", 550, "no status field"},
		{"a provider's own detail after the reply code", "", 0, false,
			"Remote server returned '550 5.7.606 Access denied, banned sending IP [192.0.2.5]'", "5.7.606", 550, "no status field"},
		{"a provider's own detail at the start", "", 0, false,
			"4.7.650 The mail server has been temporarily rate limited", "4.7.650", 0, "no status field"},
		{"a code after a hash", "", 0, false,
			"#5.1.1 smtp;550 not found", "5.1.1", 550, "no status field"},
		{"a code in parentheses", "", 0, false,
			"User unknown (5.1.1)", "5.1.1", 0, "no status field"},
		{"a registered code free in the text of its reply", "", 0, false,
			"550 User unknown 5.1.1", "5.1.1", 550, "no status field"},
		{"a code of the caller's reply code's class", "", 452, true,
			"Mailbox full 4.2.2", "4.2.2", 452, "no status field"},
		// CJK text writes its colon full-width, without a space.
		{"a reply code after a full-width colon", "", 0, false,
			"服务器返回信息：550 User not found", "", 550, ""},
		{"a reply code after an ideographic space", "", 0, false,
			"返回信息\u3000550 5.1.1 User not found", "5.1.1", 550, "no status field"},
		{"digits after a CJK letter are no reply code", "", 0, false,
			"共550 封", "", 0, ""},
	} {
		code := c.code
		if !c.codeGiven {
			code = findReplyCode(c.diag)
		}
		st, reply, why := chooseStatus(c.field, c.diag, code, c.codeGiven)
		if st != c.want || reply != c.wantCode {
			t.Errorf("%s: got %s/%d, want %s/%d (%s)", c.name, st, reply, c.want, c.wantCode, why)
		}
		if !strings.Contains(why, c.why) {
			t.Errorf("%s: why %q lacks %q", c.name, why, c.why)
		}
	}
}

// TestDerivedStatusRules checks every row of the derivation table against
// the IANA registry code each reason is expected to name, written out here
// independently of the table, with the class from the reply code, the
// status or a failure.
func TestDerivedStatusRules(t *testing.T) {
	want := map[string]string{
		"userunknown": "X.1.1", "hostunknown": "X.1.2", "hasmoved": "X.1.6", "rejected": "X.1.8",
		"notaccept": "X.1.10", "suspend": "X.2.1", "mailboxfull": "X.2.2", "systemerror": "X.3.0",
		"mailererror": "X.3.0", "systemfull": "X.3.1", "mesgtoobig": "X.3.4", "networkerror": "X.4.0",
		"toomanyconn": "X.4.5", "expired": "X.4.7", "syntaxerror": "X.5.2", "exceedlimit": "X.5.3",
		"contenterror": "X.6.0", "notcompliantrfc": "X.6.0", "securityerror": "X.7.0",
		"filtered": "X.7.1", "blocked": "X.7.1", "spamdetected": "X.7.1", "virusdetected": "X.7.1",
		"policyviolation": "X.7.1", "badreputation": "X.7.1", "norelaying": "X.7.1",
		"requireptr": "X.7.25", "authfailure": "X.7.26", "speeding": "X.7.28",
		"undefined": "X.0.0", "onhold": "X.0.0",
	}
	if len(derivedStatus) != len(want) {
		t.Errorf("derivedStatus has %d rows, this test checks %d: every row needs its expected code here", len(derivedStatus), len(want))
	}
	for _, d := range derivedStatus {
		w, ok := want[d.reason]
		if !ok {
			t.Errorf("reason %s: no expected code in this test", d.reason)
			continue
		}
		for _, c := range []struct {
			r     Result
			class string
			from  string
		}{
			{Result{Reason: d.reason, Status: pseudoStatus(d.reason, false)}, "5", "status"},
			{Result{Reason: d.reason, Status: pseudoStatus(d.reason, true)}, "4", "status"},
			{Result{Reason: d.reason, Status: "5.0.0", ReplyCode: 451}, "4", "reply code 451"},
			{Result{Reason: d.reason, Status: "4.0.0", ReplyCode: 550}, "5", "reply code 550"},
			{Result{Reason: d.reason}, "5", "for a failure"},
		} {
			got := c.r.StandardStatus()
			if exp := c.class + w[1:]; got != exp {
				t.Errorf("%s with %+v: StandardStatus = %q, want %q", d.reason, c.r, got, exp)
			}
			why := c.r.StandardStatusRule()
			if !strings.Contains(why, "derived from reason "+d.reason) || !strings.Contains(why, d.source) || !strings.Contains(why, c.from) {
				t.Errorf("%s with %+v: rule %q lacks the derivation, its source %q or %q", d.reason, c.r, why, d.source, c.from)
			}
		}
	}
}

// TestDerivedStatusKeepsClass checks the derivation against the status
// table: a derived code read back as a status names a dead address exactly
// when the reason does, so a derived status never turns a refusal into a
// hard bounce or back.
func TestDerivedStatusKeepsClass(t *testing.T) {
	for _, d := range derivedStatus {
		if d.code == "0.0" {
			continue
		}
		st, ok := statusIndex[d.code]
		if !ok {
			t.Errorf("%s: derived X.%s has no row in statusRules", d.reason, d.code)
			continue
		}
		if hardReasons[st.reason] != hardReasons[d.reason] {
			t.Errorf("%s: derived X.%s reads back as %s: hard %v, want %v", d.reason, d.code, st.reason, hardReasons[st.reason], hardReasons[d.reason])
		}
	}
}

// TestEveryReasonDerives checks that every reason the rules can give a
// failure has a derived code: the reasons of the text, clause, status,
// reply-code and command rules and those the parsers set.
func TestEveryReasonDerives(t *testing.T) {
	reasons := map[string]bool{"undefined": true, "onhold": true, "mailererror": true}
	for _, r := range textRules {
		reasons[r.reason] = true
	}
	for _, r := range clauseRules {
		reasons[r.reason] = true
	}
	for _, r := range statusRules {
		reasons[r.reason] = true
	}
	for _, r := range replyRules {
		reasons[r.reason] = true
	}
	for _, r := range commandRules {
		reasons[r.reason] = true
	}
	for r := range reasons {
		if !slices.Contains(Reasons(), r) {
			t.Errorf("reason %s is not in Reasons()", r)
		}
		if _, ok := derivedIndex[r]; !ok {
			t.Errorf("reason %s has no derived status", r)
		}
		if pseudoStatus(r, false) == "" {
			t.Errorf("reason %s has no X.0.9NN code", r)
		}
	}
}

// TestStatusAgreesWithReply checks RFC 2034 section 4 over the corpus: a
// derived status never has another class than the reply code, and a
// status code the diagnostic pairs with a reply code agrees with it.
func TestStatusAgreesWithReply(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "corpus", "eml", "*.eml"))
	if len(files) == 0 {
		t.Fatal("no corpus")
	}
	derived := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range parse(raw).Results {
			if r.ReplyCode < 400 || r.ReplyCode >= 600 {
				continue
			}
			class := byte('0' + r.ReplyCode/100)
			if s := r.StandardStatus(); s != r.Status || isVague(r.Status) {
				derived++
				if s != "" && s[0] != class {
					t.Errorf("%s: reply %d, derived status %s", f, r.ReplyCode, s)
				}
			}
			if isPseudo(r.Status) && r.Status[0] != class {
				t.Errorf("%s: reply %d, X.0.9NN status %s", f, r.ReplyCode, r.Status)
			}
		}
	}
	if derived == 0 {
		t.Error("no derived status with a reply code in the corpus: the check checked nothing")
	}
}

// TestClassifyStatusRule checks that a classified reply says where its
// status comes from.
func TestClassifyStatusRule(t *testing.T) {
	r := ClassifySMTPReply("RCPT", 550, "", "No such user here")
	if r.Status != "5.0.911" || !strings.Contains(r.StatusRule, "X.0.9NN code of reason userunknown") || !strings.Contains(r.StatusRule, "reply code 550") {
		t.Errorf("no code: status %s, rule %q", r.Status, r.StatusRule)
	}
	if r.StandardStatus() != "5.1.1" {
		t.Errorf("no code: standard status %s, want 5.1.1", r.StandardStatus())
	}
	r = ClassifySMTPReply("RCPT", 452, "", "Mailbox full")
	if r.Status != "4.0.922" || r.StandardStatus() != "4.2.2" {
		t.Errorf("452 mailbox full: status %s standard %s, want 4.0.922 4.2.2", r.Status, r.StandardStatus())
	}
	// A delay whose last reply was permanent: the X.0.9NN class is the
	// reply's (RFC 2034 section 4); the result is still not hard.
	r = classify(evidence{temporary: true, diag: "550 Mailbox full"})
	if r.Status != "5.0.922" || !strings.Contains(r.StatusRule, "class 5 from reply code 550") || r.Class != Soft {
		t.Errorf("delayed with 550: status %s (%q) class %s, want 5.0.922 from the reply, soft", r.Status, r.StatusRule, r.Class)
	}
	r = classify(evidence{temporary: true, diag: "Mailbox full"})
	if r.Status != "4.0.922" || !strings.Contains(r.StatusRule, "Action: delayed") {
		t.Errorf("delayed without a reply: status %s (%q), want 4.0.922 from the delay", r.Status, r.StatusRule)
	}
	// A code of another class than the reply code in the text is not the
	// status: the status is derived from the reply code and the reason.
	r = classify(evidence{noStatus: true, diag: "550 Mailbox full [192.0.2.5] 4.2.1"})
	if r.Status != "5.0.922" || r.StandardStatus() != "5.2.2" || !strings.Contains(r.StatusRule, "class 5 from reply code 550") {
		t.Errorf("550 with 4.2.1 in the text: status %s (%q) standard %s, want 5.0.922 from the reply, 5.2.2", r.Status, r.StatusRule, r.StandardStatus())
	}
	r = ClassifySMTPReply("RCPT", 550, "5.1.1", "5.1.1 User unknown")
	if r.Status != "5.1.1" || r.StatusRule == "" || r.StandardStatus() != "5.1.1" || !strings.Contains(r.StandardStatusRule(), "as the message gives it") {
		t.Errorf("5.1.1: status %s rule %q standard %s %q", r.Status, r.StatusRule, r.StandardStatus(), r.StandardStatusRule())
	}
}
