package mta

import (
	"strings"

	"github.com/postbode/postbode/internal/identity"
)

// asciiAddress returns addr with its domain in A-labels (identity.ASCIIDomain), and whether it is
// then ASCII: a local part that is not (jösé@example.org, RFC 6532), or a
// domain that has no A-labels (not a valid IDN), may go only to a server
// that offers SMTPUTF8 (RFC 6531 §3.2).
func asciiAddress(addr string) (string, bool) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr, isASCII(addr)
	}
	a := addr[:at+1] + identity.ASCIIDomain(addr[at+1:])
	return a, isASCII(a)
}

// envelopeAddrs returns e's MAIL FROM and RCPT TO addresses as sent, and
// whether the transaction needs SMTPUTF8 (an address is not ASCII in
// A-labels).
func envelopeAddrs(e Envelope) (from, to string, utf8 bool) {
	if isASCII(e.From) && isASCII(e.To) {
		return e.From, e.To, false
	}
	from, fromOK := asciiAddress(e.From)
	to, toOK := asciiAddress(e.To)
	return from, to, !fromOK || !toOK
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
