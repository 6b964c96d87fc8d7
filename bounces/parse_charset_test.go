package bounces

import (
	"bytes"
	"encoding/base64"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
)

// TestTextInLegacyCharsets: a text notice in the charset its Content-Type
// declares (RFC 2046 section 4.1.2) is read as UTF-8, so that the address
// after a localized label and the localized phrases are found: ISO-2022-JP
// (Japanese providers and carriers), EUC-KR in base64 (Korean providers),
// ISO-8859-1 (European templates).
func TestTextInLegacyCharsets(t *testing.T) {
	jp, err := japanese.ISO2022JP.NewEncoder().String("以下の宛先へのメールは配送できませんでした。\r\n\r\n宛先：taro@example.jp\r\n" +
		"理由：宛先のメールボックスの容量がいっぱいのため、メールを保存できませんでした。\r\n")
	if err != nil {
		t.Fatal(err)
	}
	kr, err := korean.EUCKR.NewEncoder().String("보내신 메일이 전달되지 못했습니다.\r\n\r\n받는 사람: minsu@example.kr\r\n" +
		"상세 내용: 550 5.1.1 <minsu@example.kr>: 존재하지 않는 사용자입니다\r\n")
	if err != nil {
		t.Fatal(err)
	}
	fr, err := charmap.ISO8859_1.NewEncoder().String("<claire@example.fr>: la boîte aux lettres du destinataire est pleine\r\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, fields, body string
		rcpt, reason       string
		class              Class
	}{
		{"ISO-2022-JP", "Subject: Returned mail\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n", jp,
			"taro@example.jp", "mailboxfull", Soft},
		{"EUC-KR base64", "Subject: Returned mail\r\nContent-Type: text/plain; charset=EUC-KR\r\nContent-Transfer-Encoding: base64\r\n",
			base64.StdEncoding.EncodeToString([]byte(kr)), "minsu@example.kr", "userunknown", Hard},
		{"ISO-8859-1", "Subject: Undelivered Mail Returned to Sender\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n", fr,
			"claire@example.fr", "mailboxfull", Soft},
	} {
		rep, err := Parse([]byte(textBounce(c.fields, c.body)))
		if err != nil || len(rep.Results) != 1 {
			t.Fatalf("%s: %v %+v", c.name, err, rep)
		}
		if r := rep.Results[0]; r.Recipient != c.rcpt || r.Reason != c.reason || r.Class != c.class {
			t.Errorf("%s: %s %s %s by %q, want %s %s %s", c.name, r.Recipient, r.Reason, r.Class, r.Rule, c.rcpt, c.reason, c.class)
		}
	}
}

// TestTextToUTF8: ASCII text and text in an unknown charset are kept as
// they are; a known charset is converted.
func TestTextToUTF8(t *testing.T) {
	ascii := []byte("550 5.1.1 user unknown")
	if got := textToUTF8("iso-8859-1", ascii); &got[0] != &ascii[0] {
		t.Error("ASCII text was copied, want it kept as is")
	}
	raw := []byte("caf\xe9")
	if got := textToUTF8("x-no-such-charset", raw); !bytes.Equal(got, raw) {
		t.Errorf("unknown charset: %q, want %q unchanged", got, raw)
	}
	if got := textToUTF8("ISO-8859-1", raw); string(got) != "café" {
		t.Errorf("ISO-8859-1: %q, want %q", got, "café")
	}
	if got := textToUTF8("windows-1252", []byte("\x93quoted\x94")); string(got) != "\u201cquoted\u201d" {
		t.Errorf("windows-1252: %q", got)
	}
}
