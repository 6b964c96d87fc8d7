package bounces

import "strings"

// sieveReject reports whether the message is a Sieve "reject" (RFC 5429
// section 2.2.2): a message disposition notification (RFC 8098, a
// message/disposition-notification part) sent automatically with the
// disposition type "deleted", which is how Sieve implementations (Dovecot
// Pigeonhole, Cyrus) refuse a message for its recipient's own filter
// rules. The recipient's mailbox exists and chose to refuse: a filter,
// whatever the reason text says.
func (m *msg) sieveReject() bool {
	if len(m.mdn) == 0 {
		return false
	}
	for _, f := range parseFields(m.mdn) {
		if f.name != "disposition" {
			continue
		}
		v := asciiLower(f.value)
		mode, typ, ok := strings.Cut(v, ";")
		if !ok || !strings.HasPrefix(strings.TrimSpace(mode), "automatic-action/") {
			return false
		}
		typ = strings.TrimSpace(typ)
		return typ == "deleted" || strings.HasPrefix(typ, "deleted/") || strings.HasPrefix(typ, "deleted ")
	}
	return false
}
