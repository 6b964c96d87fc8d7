package contacts

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"

	"github.com/postbode/postbode/internal/errs"
)

var idnaProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false), idna.StrictDomainName(true))

// NormalizeEmail validates an address as RFC 5321/6531 allow for mailbox
// addresses we can deliver to, and returns it in canonical form: NFC,
// domain lower-cased in its Unicode form. The error names field.
//
// Accepted: dot-atom local parts with ASCII atext or UTF-8 (RFC 6531 §3.3),
// quoted local parts without control characters, internationalised domain
// names that pass IDNA2008 lookup rules. Rejected: whitespace, control
// characters, address literals, domains without a dot, over-long parts.
func NormalizeEmail(field, raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errs.Invalid(field, "is required")
	}
	if !utf8.ValidString(s) {
		return "", errs.Invalid(field, "is not valid UTF-8")
	}
	s = norm.NFC.String(s)
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", errs.Invalid(field, "must be an address like name@example.org")
	}
	local, domain := s[:at], s[at+1:]
	if err := checkLocal(local); err != "" {
		return "", errs.Invalid(field, err)
	}
	d, err := normalizeDomain(domain)
	if err != "" {
		return "", errs.Invalid(field, err)
	}
	out := local + "@" + d
	if len(out) > 254 {
		return "", errs.Invalid(field, "is longer than 254 octets")
	}
	return out, nil
}

func checkLocal(local string) string {
	if len(local) > 64 {
		return "local part is longer than 64 octets"
	}
	if strings.HasPrefix(local, `"`) {
		if len(local) < 2 || !strings.HasSuffix(local, `"`) {
			return "local part has an unbalanced quote"
		}
		for _, r := range local[1 : len(local)-1] {
			if r < 0x20 || r == 0x7f || r == '"' || r == '\\' {
				return "quoted local part holds a character that is not allowed"
			}
		}
		return ""
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "local part has a misplaced dot"
	}
	for _, r := range local {
		if !atext(r) {
			return "local part holds a character that is not allowed: '" + errs.Visible(string(r)) + "'"
		}
	}
	return ""
}

// atext is RFC 5322 §3.2.3 atext plus '.', extended by RFC 6532 §3.2 with
// non-ASCII UTF-8 (but no spaces or controls).
func atext(r rune) bool {
	if r >= 0x80 {
		return unicode.IsGraphic(r) && !unicode.IsSpace(r)
	}
	if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
		return true
	}
	return strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", r)
}

func normalizeDomain(domain string) (string, string) {
	if strings.HasPrefix(domain, "[") {
		return "", "address literals are not accepted"
	}
	domain = strings.TrimSuffix(domain, ".")
	ascii, err := idnaProfile.ToASCII(domain)
	if err != nil {
		return "", "domain is not a valid (internationalised) domain name"
	}
	if len(ascii) > 253 { // RFC 1035 §2.3.4, without the final dot
		return "", "domain is longer than 253 octets"
	}
	if !strings.Contains(ascii, ".") {
		return "", "domain must be a fully qualified name like example.org"
	}
	labels := strings.Split(ascii, ".")
	for _, l := range labels {
		if l == "" {
			return "", "domain has an empty label (two dots in a row)"
		}
		if len(l) > 63 { // RFC 1035 §2.3.4, counted in its ASCII (A-label) form
			return "", "domain has a label longer than 63 octets"
		}
	}
	tld := labels[len(labels)-1]
	if strings.Trim(tld, "0123456789") == "" {
		return "", "domain has a numeric top-level label"
	}
	uni, err := idnaProfile.ToUnicode(ascii)
	if err != nil {
		return "", "domain is not a valid (internationalised) domain name"
	}
	uni = strings.ToLower(uni)
	if uni != strings.ToLower(norm.NFC.String(domain)) && ascii != strings.ToLower(domain) {
		// Mapping dropped or changed characters (zero-width, full-width, ...).
		return "", "domain holds characters that are not allowed in a domain name"
	}
	return uni, ""
}

// EmailKey returns the form in which the spellings of one address compare
// equal: NormalizeEmail's (NFC, the domain in lower-case U-labels, so
// user@XN--BCHER-KVA.example and user@Bücher.example are one address),
// lower-cased, as lower(email) compares stored addresses. A text that
// NormalizeEmail refuses can be no contact's address: it is only trimmed
// and lower-cased. Anything that matches an address from outside (a
// bounce report's recipient) against contacts goes through it.
func EmailKey(addr string) string {
	if e, err := NormalizeEmail("", addr); err == nil {
		addr = e
	}
	return strings.ToLower(strings.TrimSpace(addr))
}

// Domain returns the domain of a normalised address.
func Domain(email string) string {
	if at := strings.LastIndexByte(email, '@'); at >= 0 {
		return email[at+1:]
	}
	return ""
}

// RedactEmail returns a log-safe form of an address: the first character of
// the local part and the domain, e.g. "j…@example.org".
func RedactEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return "…"
	}
	r, _ := utf8.DecodeRuneInString(email)
	return string(r) + "…@" + email[at+1:]
}
