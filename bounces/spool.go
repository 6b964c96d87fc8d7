package bounces

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postbode/postbode/contacts"
)

// Spool stores accepted inbound messages durably in Postgres
// (inbound_messages) for the Processor.
type Spool struct {
	db *pgxpool.Pool
	cs *contacts.Store
}

// NewSpool returns a spool on db; cs (required) hashes the addresses each
// message names, so erasure finds the raw message by any of them.
func NewSpool(db *pgxpool.Pool, cs *contacts.Store) *Spool { return &Spool{db: db, cs: cs} }

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

// addrPattern finds email addresses in (lower-cased) raw mail.
var addrPattern = regexp.MustCompile(`[a-z0-9.!#$%&'*+/=?^_{|}~-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+`)

// addressesIn returns the distinct addresses written in raw, lower-cased
// (at most maxAddresses).
func addressesIn(raw []byte) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range addrPattern.FindAll(bytes.ToLower(raw), -1) {
		a := strings.Trim(string(m), ".")
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
			if len(out) == maxAddresses {
				break
			}
		}
	}
	return out
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
