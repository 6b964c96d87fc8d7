package contacts

import (
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	ok := map[string]string{
		"jan@example.org":                 "jan@example.org",
		"  Jan.Jansen@Example.ORG ":       "Jan.Jansen@example.org",
		"a+tag@sub.example.co.uk":         "a+tag@sub.example.co.uk",
		"o'brien@example.ie":              "o'brien@example.ie",
		"søren@exämple.dk":                "søren@exämple.dk",
		"user@xn--exmple-cua.dk":          "user@exämple.dk",
		"用户@例子.广告":                        "用户@例子.广告",
		"\"john doe\"@example.org":        "\"john doe\"@example.org",
		"x@example.org.":                  "x@example.org",
		"e\u0301@example.org":             "é@example.org", // NFC
		"!#$%&'*+-/=?^_`{|}~@example.org": "!#$%&'*+-/=?^_`{|}~@example.org",
	}
	for in, want := range ok {
		got, err := NormalizeEmail("email", in)
		if err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{
		"", "plain", "@example.org", "jan@", "jan@@example.org", "jan@localhost", "jan@example",
		"jan doe@example.org", "jan@exa mple.org", ".jan@example.org", "jan.@example.org", "ja..n@example.org",
		"jan@[127.0.0.1]", "jan@123.456", "jan\x00@example.org", "jan\r\n@example.org", "jan@-example.org",
		"jan@example..org", strings.Repeat("a", 65) + "@example.org", "a@" + strings.Repeat("b", 250) + ".org",
		"\xff\xfe@example.org", "jan(comment)@example.org", "jan@exam_ple.org", "\"unclosed@example.org",
		"jan@example.org\u200b", "jan\u00a0x@example.org",
	}
	for _, in := range bad {
		if got, err := NormalizeEmail("email", in); err == nil {
			t.Errorf("NormalizeEmail(%q) = %q, want an error", in, got)
		} else if !strings.HasPrefix(err.Error(), "email: ") {
			t.Errorf("error %q does not name the field", err)
		}
	}
}

func TestRedactEmail(t *testing.T) {
	if got := RedactEmail("jan@example.org"); got != "j…@example.org" {
		t.Errorf("RedactEmail = %q", got)
	}
	if got := RedactEmail("garbage"); strings.Contains(got, "garbage") {
		t.Errorf("RedactEmail leaks %q", got)
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"jan@example.org", "søren@exämple.dk", "\"x\"@y.z", "a@b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizeEmail("email", s)
		if err != nil {
			return
		}
		// A normalised address is a fixed point and has no controls or spaces outside quotes.
		again, err := NormalizeEmail("email", out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", s, out, again, err)
		}
		if strings.ContainsAny(out, "\r\n\x00") {
			t.Fatalf("control characters kept: %q", out)
		}
	})
}

// RFC 1035 §2.3.4: a label is at most 63 octets (in its A-label form) and a
// domain at most 253.
func TestNormalizeEmailDomainLimits(t *testing.T) {
	label := func(n int) string { return strings.Repeat("b", n) }
	for _, in := range []string{
		"a@" + label(63) + ".org",
		"a@" + label(63) + "." + label(63) + "." + label(63) + "." + label(56) + ".nl", // a 251-octet domain
	} {
		if _, err := NormalizeEmail("email", in); err != nil {
			t.Errorf("NormalizeEmail(%d octets) = %v", len(in), err)
		}
	}
	for in, want := range map[string]string{
		"a@" + label(64) + ".org":                        "label longer than 63",
		"a@x." + label(64) + ".example.org":              "label longer than 63",
		"a@" + strings.Repeat("ä", 60) + ".org":          "label longer than 63",
		"a@" + strings.Repeat(label(49)+".", 5) + "orgs": "longer than 253",
	} {
		_, err := NormalizeEmail("email", in)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "email: ") {
			t.Errorf("NormalizeEmail(%d octets) = %v, want %q", len(in), err, want)
		}
	}
}

// TestNormalizeEmailEchoesCharactersAsErrsVisible: a refused character is
// written as errs.Visible writes it everywhere (\u202e), never as U+202E.
func TestNormalizeEmailEchoesCharactersAsErrsVisible(t *testing.T) {
	for in, want := range map[string]string{
		"jan\u202ex@example.org": `'\u202e'`,
		"jan\u00a0x@example.org": `'\u00a0'`,
		"jan\x01x@example.org":   `'\x01'`,
		"jan<x@example.org":      `'<'`,
	} {
		_, err := NormalizeEmail("email", in)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "U+") {
			t.Errorf("NormalizeEmail(%+q): %v, want the character written %s", in, err, want)
		}
	}
}
