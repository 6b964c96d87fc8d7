// Package rtoken is in charge of recipient tokens: the value in every link of
// a mail (and in VERP return paths) that names a contact, a campaign and a
// purpose under an HMAC with the server key. Tokens cannot be guessed or
// altered; old keys keep verifying after a rotation (secrets.old_keys); a
// token may carry an expiry.
//
// Format: base64url(payload) "." base64url(mac[:16]), payload =
// version(1) purpose(1) contact(uvarint) campaign(uvarint) issued(uvarint, unix minutes) expires(uvarint, unix minutes or 0).
//
// A token has one spelling: an encoding whose unused trailing bits are not
// zero (the last base64 character can be written 4 or 16 ways) is invalid.
// One-time actions are keyed on Claims.Identity, not on the token text.
package rtoken

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Purpose says what a token may be used for.
type Purpose byte

// Purposes.
const (
	Unsubscribe Purpose = 'u' // leave a list or all lists, incl. RFC 8058 one-click
	Update      Purpose = 'p' // update-your-details pages and answers
	Privacy     Purpose = 'r' // privacy request page
	Confirm     Purpose = 'c' // double opt-in confirmation
	Open        Purpose = 'o' // open-tracking pixel
	Click       Purpose = 'l' // click-tracking redirect
	Bounce      Purpose = 'b' // VERP return path
	View        Purpose = 'v' // view in browser
	Verify      Purpose = 'q' // verify an address for a privacy request
	MessageID   Purpose = 'm' // the Message-ID of a campaign message
)

// ErrInvalid is returned for any token that does not verify; callers show a
// neutral page and never say why.
var ErrInvalid = errors.New("rtoken: invalid token")

// ErrExpired is returned for a genuine token past its expiry.
var ErrExpired = errors.New("rtoken: token expired")

const version = 1

// Claims are what a token says.
type Claims struct {
	Purpose    Purpose
	ContactID  int64
	CampaignID int64 // 0 when not tied to a campaign
	// ListID rides in CampaignID's place for Confirm tokens: the list to confirm.
	Issued  time.Time
	Expires time.Time // zero: no expiry
	// Test marks the links of a test send: pages say so and change nothing.
	// A test token names no contact.
	Test bool
}

// flagTest is bit 0 of the optional flags field.
const flagTest = 1

// Keys mint with the current key and verify with it or any old one.
type Keys struct {
	current []byte
	old     [][]byte
	// macs holds signers keyed with current: keying an HMAC costs two
	// SHA-256 blocks and an allocation, and the send path mints several
	// tokens a message.
	macs sync.Pool
}

// signer is an HMAC keyed with the current key, with room for a payload
// and its MAC (a buffer passed to a hash.Hash escapes to the heap: these
// are reused instead).
type signer struct {
	h   hash.Hash
	p   []byte
	sum [sha256.Size]byte
}

// maxPayload bounds a payload: version, purpose, four uvarints and the flags.
const maxPayload = 2 + 5*binary.MaxVarintLen64

// NewKeys returns token keys; current is required.
func NewKeys(current string, old ...string) *Keys {
	k := &Keys{current: []byte(current)}
	k.macs.New = func() any { return &signer{h: hmac.New(sha256.New, k.current), p: make([]byte, 0, maxPayload)} }
	for _, o := range old {
		k.old = append(k.old, []byte(o))
	}
	return k
}

// b64 is strict: it refuses non-zero unused bits, so each token decodes
// from one spelling only.
var b64 = base64.RawURLEncoding.Strict()

// Mint returns a token for c; Issued defaults to now.
func (k *Keys) Mint(c Claims) string {
	var buf [96]byte
	return string(k.appendMint(buf[:0], c))
}

// appendMint appends the token for c to b (the send path builds each link
// in one buffer: a message carries several).
func (k *Keys) appendMint(b []byte, c Claims) []byte {
	s := k.sign(c)
	b = b64.AppendEncode(b, s.p)
	b = append(b, '.')
	b = b64.AppendEncode(b, s.sum[:16])
	k.macs.Put(s)
	return b
}

// sign computes the payload of c (Issued defaulting to now) and its MAC
// under the current key into a signer (its p and sum[:16]), to be given
// back to k.macs once read.
func (k *Keys) sign(c Claims) *signer {
	if c.Issued.IsZero() {
		c.Issued = time.Now()
	}
	s := k.macs.Get().(*signer)
	s.p = appendPayload(s.p[:0], c)
	s.h.Reset()
	s.h.Write(s.p)
	s.h.Sum(s.sum[:0])
	return s
}

// Identity is what a token stands for, whatever key signed it or however
// it was spelled: the hash of its payload. Use it to de-duplicate one-time
// actions.
func (c Claims) Identity() []byte {
	h := sha256.Sum256(payload(c))
	return h[:]
}

func payload(c Claims) []byte {
	return appendPayload(make([]byte, 0, maxPayload), c)
}

func appendPayload(p []byte, c Claims) []byte {
	p = append(p, version, byte(c.Purpose))
	p = binary.AppendUvarint(p, uint64(c.ContactID))
	p = binary.AppendUvarint(p, uint64(c.CampaignID))
	p = binary.AppendUvarint(p, uint64(c.Issued.Unix()/60))
	var exp uint64
	if !c.Expires.IsZero() {
		exp = uint64(c.Expires.Unix()/60) + 1
	}
	p = binary.AppendUvarint(p, exp)
	if c.Test {
		p = binary.AppendUvarint(p, flagTest)
	}
	return p
}

// Parse verifies a token for the wanted purpose and returns its claims.
func (k *Keys) Parse(tok string, want Purpose) (Claims, error) {
	ps, ms, ok := strings.Cut(tok, ".")
	if !ok || len(tok) > 200 || strings.ContainsAny(tok, "\r\n") {
		// encoding/base64 skips line breaks even in strict mode.
		return Claims{}, ErrInvalid
	}
	p, err1 := b64.DecodeString(ps)
	m, err2 := b64.DecodeString(ms)
	if err1 != nil || err2 != nil || !k.verify(p, m) {
		return Claims{}, ErrInvalid
	}
	c, ok := decode(p)
	if !ok || c.Purpose != want || !bytes.Equal(payload(c), p) {
		return Claims{}, ErrInvalid
	}
	if !c.Expires.IsZero() && time.Now().After(c.Expires) {
		return c, ErrExpired
	}
	return c, nil
}

func (k *Keys) verify(p, m []byte) bool {
	if hmac.Equal(mac(k.current, p), m) {
		return true
	}
	for _, o := range k.old {
		if hmac.Equal(mac(o, p), m) {
			return true
		}
	}
	return false
}

func decode(p []byte) (Claims, bool) {
	if len(p) < 2 || p[0] != version {
		return Claims{}, false
	}
	c := Claims{Purpose: Purpose(p[1])}
	rest := p[2:]
	var vals [4]uint64
	for i := range vals {
		v, n := binary.Uvarint(rest)
		if n <= 0 {
			return Claims{}, false
		}
		vals[i], rest = v, rest[n:]
	}
	if len(rest) > 0 {
		flags, n := binary.Uvarint(rest)
		if n <= 0 || n != len(rest) || flags != flagTest {
			return Claims{}, false
		}
		c.Test, rest = true, nil
	}
	if vals[0] > 1<<62 || vals[1] > 1<<62 {
		return Claims{}, false
	}
	c.ContactID, c.CampaignID = int64(vals[0]), int64(vals[1])
	c.Issued = time.Unix(int64(vals[2])*60, 0)
	if vals[3] > 0 {
		c.Expires = time.Unix(int64(vals[3]-1)*60, 0)
	}
	return c, true
}

func mac(key, p []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(p)
	return h.Sum(nil)[:16]
}

// Links builds the recipient URLs on the public listener for a contact and
// campaign. The paths are served by the public role.
type Links struct {
	Base string // public.base_url, without trailing slash
	Keys *Keys
}

// URL returns base + path + "/" + token for the purpose.
func (l Links) URL(p Purpose, contactID, campaignID int64) string {
	return l.URLFor(Claims{Purpose: p, ContactID: contactID, CampaignID: campaignID})
}

// URLFor returns base + path + "/" + token for c (its purpose picks the path).
func (l Links) URLFor(c Claims) string {
	var buf [192]byte
	return string(l.appendURL(buf[:0], c))
}

func (l Links) appendURL(b []byte, c Claims) []byte {
	b = append(b, strings.TrimRight(l.Base, "/")...)
	b = append(b, Path(c.Purpose)...)
	b = append(b, '/')
	return l.Keys.appendMint(b, c)
}

// ClickURL returns the tracked redirect for target.
func (l Links) ClickURL(contactID, campaignID int64, target string) string {
	return l.ClickURLFor(Claims{ContactID: contactID, CampaignID: campaignID}, target)
}

// ClickURLFor returns the tracked redirect for target with c's contact,
// campaign and test mark.
func (l Links) ClickURLFor(c Claims, target string) string {
	return l.ClickPrefixFor(c) + url.QueryEscape(target)
}

// ClickPrefixFor is the tracked redirect of ClickURLFor up to the target:
// base + "/l/" + token + "?u=". Every link of one message carries the same
// token, so the send path signs it once per message and appends each
// link's target, query-escaped.
func (l Links) ClickPrefixFor(c Claims) string {
	c.Purpose = Click
	var buf [192]byte
	return string(append(l.appendURL(buf[:0], c), "?u="...))
}

// Path is the public path prefix for a purpose:
//
//	/u  unsubscribe page; POST with List-Unsubscribe=One-Click is RFC 8058 one-click
//	/p  update-your-details (answers: /p/TOKEN?answer=ok|change|remove shows the choice)
//	/r  privacy request for a known contact
//	/c  double opt-in confirmation
//	/o  open pixel, /l click redirect, /v view in browser, /q address verification
func Path(p Purpose) string {
	switch p {
	case Unsubscribe:
		return "/u"
	case Update:
		return "/p"
	case Privacy:
		return "/r"
	case Confirm:
		return "/c"
	case Open:
		return "/o"
	case Click:
		return "/l"
	case View:
		return "/v"
	case Verify:
		return "/q"
	}
	return "/x"
}
