package bounces

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/errs"
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
	addrs := append(addressesIn(raw), decodedAddresses(raw)...)
	addrs = append(addrs, strings.ToLower(from))
	for _, r := range rcpts {
		addrs = append(addrs, strings.ToLower(r))
	}
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO inbound_messages (mail_from, rcpts, raw, size, address_hashes)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		errs.Clip(from, 320), rcpts, raw, len(raw), hashAll(s.cs, addrs)).Scan(&id)
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

// decodedAddresses returns the addresses only a decoder sees, which
// addressesIn cannot find in the raw bytes: in RFC 2047 encoded words of
// header fields, and in quoted-printable or base64 parts (an address split
// by a soft line break included), of the message and of the originals it
// returns, within the bounds Parse reads (MaxParseBytes, maxParts,
// maxDepth, maxPartBytes a part; at most maxAddresses).
func decodedAddresses(raw []byte) []string {
	if len(raw) > MaxParseBytes {
		raw = raw[:MaxParseBytes]
	}
	var w addressWalk
	h, body := splitHeader(raw, nil)
	w.entity(h, body, 0)
	return w.out
}

// addressWalk collects decodedAddresses over the MIME structure.
type addressWalk struct {
	out   []string
	parts int
}

func (w *addressWalk) add(text []byte) {
	if len(w.out) < maxAddresses {
		w.out = append(w.out, addressesIn(text)...)
	}
}

func (w *addressWalk) entity(h header, body []byte, depth int) {
	w.parts++
	if w.parts > maxParts || depth > maxDepth {
		return
	}
	for _, f := range h {
		if strings.Contains(f.value, "=?") {
			w.add([]byte(decodeHeader(f.value)))
		}
	}
	mt, params := contentType(h)
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if params["boundary"] == "" {
			return
		}
		mr := newMultipart(body, params["boundary"])
		for w.parts <= maxParts {
			ph, data, ok := mr.next()
			if !ok {
				return
			}
			w.entity(ph, data, depth+1)
		}
	case mt == "message/rfc822" || mt == "message/global" || mt == "text/rfc822-headers" || mt == "message/rfc822-headers":
		data, _ := decodeBody(h, body)
		ih, ib := splitHeader(data, nil)
		w.entity(ih, ib, depth+1)
	default:
		if enc := asciiLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))); enc == "quoted-printable" || enc == "base64" {
			data, _ := decodeBody(h, body)
			w.add(data)
		}
	}
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
