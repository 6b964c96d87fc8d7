package mta

import (
	"bytes"
	"crypto/ed25519"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

// FuzzBodyCanonicalization signs arbitrary bodies (Ed25519, fast) and lets
// go-msgauth's verifier recompute the body hash its own way.
func FuzzBodyCanonicalization(f *testing.F) {
	for _, s := range []string{"", "a\r\n", " \t \r\n\r\n", "x  y \r\n\r\n\r\nz", "lone\nlf", "é\t\r\n.\r\n"} {
		f.Add(s)
	}
	seed := make([]byte, ed25519.SeedSize)
	key := ed25519.NewKeyFromSeed(seed)
	d, err := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "s", PrivateKey: key}})
	if err != nil {
		f.Fatal(err)
	}
	dns := dnsTXT{}
	dns.add(f, "s", "example.org", key.Public())
	f.Fuzz(func(t *testing.T, body string) {
		if strings.ContainsRune(body, '\r') && strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\r") {
			t.Skip("lone CR: not valid RFC 5322, canonicalizers differ")
		}
		signed, err := d.Sign([]byte("From: a@example.org\r\nSubject: x\r\n\r\n" + body))
		if err != nil {
			t.Fatal(err)
		}
		vs, err := dkim.VerifyWithOptions(bytes.NewReader(signed), &dkim.VerifyOptions{LookupTXT: dns.lookup})
		if err != nil || len(vs) != 1 || vs[0].Err != nil {
			t.Fatalf("body %q: %v %+v", body, err, vs)
		}
	})
}

// FuzzQuotedPrintable checks the encoder round-trips and keeps lines short.
func FuzzQuotedPrintable(f *testing.F) {
	for _, s := range []string{"", "a=b", "trailing \nspace\t\n", strings.Repeat("x", 200), "é€\r\n.", strings.Repeat("= ", 80)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := appendQP(nil, s)
		for _, line := range bytes.Split(enc, []byte("\r\n")) {
			if len(line) > 76 {
				t.Fatalf("line of %d: %q", len(line), line)
			}
			if bytes.ContainsAny(line, "\r\n") {
				t.Fatalf("bare CR/LF in %q", line)
			}
			if n := len(line); n > 0 && (line[n-1] == ' ' || line[n-1] == '\t') {
				t.Fatalf("trailing whitespace in %q", line)
			}
			if len(line) > 0 && line[0] == '.' {
				t.Fatalf("line %q starts with a dot (would need dot-stuffing)", line)
			}
		}
		dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(enc)))
		if err != nil {
			t.Fatal(err)
		}
		want := strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
		if string(dec) != want {
			t.Fatalf("round trip of %q: got %q", s, dec)
		}
	})
}

// FuzzComposeDotFree: AppendCompose reports dotFree exactly when no line
// of the message starts with '.' (the SMTP client then skips dot-stuffing,
// so a wrong "true" would let a line "." end the message early), the
// message keeps its line limits, and it parses back to the parts.
func FuzzComposeDotFree(f *testing.F) {
	for _, s := range [][3]string{
		{"<p>x</p>", "x", "Subject"},
		{".<p>dot</p>\n.", "a\n.b\r\n..\n", "X-A"},
		{"", ".only text\n", ".X-Dot"},
		{"é\n.é", "", "X-B"},
		{strings.Repeat(".", 100) + "\n" + strings.Repeat("x.", 600), "\r\n.\r\n", "X-C"},
		{"a\r.b", "tab\t\n.\t", "X-D"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, html, text, field string) {
		h := Header{From: "a@example.org", To: "b@example.net", Subject: "s", MessageID: "m@example.org",
			Extra: [][2]string{{field, "v"}}}
		msg, dotFree := AppendCompose(nil, h, html, text)
		lines := bytes.Split(msg, []byte("\r\n"))
		dotLine := false
		for _, line := range lines {
			if len(line) > 0 && line[0] == '.' {
				dotLine = true
			}
			if len(line) > 998 {
				t.Fatalf("line of %d octets", len(line))
			}
		}
		if dotLine || bytes.Contains(msg, []byte("\n.")) || msg[0] == '.' {
			if dotFree {
				t.Fatalf("dotFree, but a line starts with '.':\n%s", msg)
			}
		} else if !dotFree {
			t.Fatalf("no line starts with '.', but not dotFree:\n%s", msg)
		}
		if _, err := mail.ReadMessage(bytes.NewReader(msg)); err != nil {
			t.Fatalf("%v:\n%s", err, msg)
		}
	})
}

// FuzzHeaderCanonicalization signs messages with arbitrary (folded) header
// values and verifies them with go-msgauth.
func FuzzHeaderCanonicalization(f *testing.F) {
	for _, s := range []string{"x", "  a \t b  ", "folded\r\n  value\r\n\tmore", "", "é: ;b=1"} {
		f.Add(s, "To")
	}
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	d, _ := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "s", PrivateKey: key}})
	dns := dnsTXT{}
	dns.add(f, "s", "example.org", key.Public())
	f.Fuzz(func(t *testing.T, value, name string) {
		if !validFieldName(name) || strings.Contains(strings.ReplaceAll(strings.ReplaceAll(value, "\r\n ", ""), "\r\n\t", ""), "\r") ||
			strings.Contains(strings.ReplaceAll(strings.ReplaceAll(value, "\r\n ", ""), "\r\n\t", ""), "\n") ||
			strings.HasSuffix(value, "\r\n") {
			t.Skip()
		}
		msg := "From: a@example.org\r\nSubject: " + value + "\r\n" + name + ": " + value + "\r\n\r\nbody\r\n"
		signed, err := d.Sign([]byte(msg))
		if err != nil {
			t.Fatal(err)
		}
		vs, err := dkim.VerifyWithOptions(bytes.NewReader(signed), &dkim.VerifyOptions{LookupTXT: dns.lookup})
		if err != nil || len(vs) != 1 || vs[0].Err != nil {
			t.Fatalf("%s: %q: %v %+v", name, value, err, vs)
		}
	})
}

// FuzzComposePart composes arbitrary part contents: whichever encoding a
// part gets, no line exceeds 998 octets, no CR or LF is bare, and the part
// decodes to its content (line ends as CRLF).
func FuzzComposePart(f *testing.F) {
	for _, s := range []string{"", "a\n.b\n", "x \n", strings.Repeat("y", 1000), "é", "a\rb", "--=_pb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		msg := Compose(Header{From: "a@example.org", To: "b@example.net", MessageID: "f@example.org"}, "", s)
		for _, line := range bytes.Split(msg, []byte("\r\n")) {
			if len(line) > 998 || bytes.ContainsAny(line, "\r\n") {
				t.Fatalf("line of %d octets or bare CR/LF: %q", len(line), line[:min(len(line), 80)])
			}
		}
		m, err := mail.ReadMessage(bytes.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = m.Body
		switch cte := m.Header.Get("Content-Transfer-Encoding"); cte {
		case "quoted-printable":
			r = quotedprintable.NewReader(m.Body)
		case "7bit":
		default:
			t.Fatalf("encoding %q", cte)
		}
		dec, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n"); string(dec) != want {
			t.Fatalf("%q decodes to %q", s, dec)
		}
	})
}
