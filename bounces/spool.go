package bounces

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/db"
)

// Spool stores accepted inbound messages durably in Postgres
// (inbound_messages) for the Processor.
type Spool struct {
	db *db.Pool
	cs *contacts.Store
}

// NewSpool returns a spool on db; cs (required) hashes the addresses each
// message names, so erasure finds the raw message by any of them.
func NewSpool(db *db.Pool, cs *contacts.Store) *Spool { return &Spool{db: db, cs: cs} }

// Store writes one message and returns its id once it is committed.
func (s *Spool) Store(ctx context.Context, from string, rcpts []string, raw []byte) (int64, error) {
	addrs := append(addressesIn(raw), strings.ToLower(from))
	for _, r := range rcpts {
		addrs = append(addrs, strings.ToLower(r))
	}
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO inbound_messages (mail_from, rcpts, raw, size, address_hashes)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		clip(from, 320), rcpts, raw, len(raw), hashAll(s.cs, addrs)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("bounces: store inbound message: %w", err)
	}
	return id, nil
}

// maxAddresses bounds how many distinct addresses of one message are hashed.
const maxAddresses = 1000

// addressesIn returns the distinct addresses written in raw, lower-cased
// (at most maxAddresses). It looks around every '@' for a local part (at
// most 64 characters) and a domain with a dot (at most 253): linear in the
// size of the message, whatever it contains.
func addressesIn(raw []byte) []string {
	var out []string
	seen := map[string]bool{}
	for i := bytes.IndexByte(raw, '@'); i >= 0 && len(out) < maxAddresses; {
		s := i
		for s > 0 && i-s < 64 && localChar(raw[s-1]) {
			s--
		}
		e := i + 1
		for e < len(raw) && e-i-1 < 253 && domainChar(raw[e]) {
			e++
		}
		local, domain := bytes.Trim(raw[s:i], ".'"), bytes.Trim(raw[i+1:e], ".-")
		if len(local) > 0 && bytes.IndexByte(domain, '.') > 0 {
			a := strings.ToLower(string(local) + "@" + string(domain))
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
		next := bytes.IndexByte(raw[i+1:], '@')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return out
}

// localChar reports whether c may appear in an unquoted local part (RFC 5322 §3.2.3 atext, and dots).
func localChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+/=?^_`{|}~.-", c) >= 0
}

// domainChar reports whether c may appear in a domain name.
func domainChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
}

// hashAll returns the distinct keyed hashes (contacts.Store.Hash) of addrs.
func hashAll(cs *contacts.Store, addrs []string) [][]byte {
	out := [][]byte{}
	seen := map[string]bool{}
	for _, a := range addrs {
		if !strings.Contains(a, "@") || seen[a] {
			continue
		}
		seen[a] = true
		out = append(out, cs.Hash(a))
	}
	return out
}

// hashes returns the keyed hashes of addrs for inbound_messages.address_hashes.
func (p *Processor) hashes(addrs []string) [][]byte { return hashAll(p.contacts, addrs) }
