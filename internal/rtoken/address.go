package rtoken

import (
	"bytes"
	"encoding/base32"
	"strings"
)

// Address tokens ride in the local part of an email address: the VERP return
// path ("b" purpose, b<token>@bounce-domain) and the List-Unsubscribe mailto
// ("u" purpose, u<token>@bounce-domain). Mail systems may change the case of
// a local part, so the token is lower-case base32 without padding.
var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Address returns the address for c (purpose Bounce or Unsubscribe) at domain.
func (k *Keys) Address(c Claims, domain string) string {
	var buf [128]byte
	return string(k.appendAddress(buf[:0], c, domain))
}

func (k *Keys) appendAddress(b []byte, c Claims, domain string) []byte {
	s := k.sign(c)
	var raw [maxPayload + 16]byte
	token := append(append(raw[:0], s.p...), s.sum[:16]...) // the token's parts, as base32
	k.macs.Put(s)
	b = append(b, byte(c.Purpose))
	b = b32.AppendEncode(b, token)
	b = append(b, '@')
	return append(b, domain...)
}

// ParseAddress verifies an address made by Address and returns its claims;
// the domain is not checked here (the listener accepts only its own).
func (k *Keys) ParseAddress(addr string) (Claims, error) {
	local, _, ok := strings.Cut(addr, "@")
	if !ok || len(local) < 2 || len(local) > 64 {
		return Claims{}, ErrInvalid
	}
	local = strings.ToLower(local)
	raw, err := b32.DecodeString(local[1:])
	if err != nil || len(raw) <= 16 || b32.EncodeToString(raw) != local[1:] {
		// not decodable, or not the one spelling (non-zero unused bits)
		return Claims{}, ErrInvalid
	}
	p, m := raw[:len(raw)-16], raw[len(raw)-16:]
	if !k.verify(p, m) {
		return Claims{}, ErrInvalid
	}
	c, ok := decode(p)
	if !ok || byte(c.Purpose) != local[0] || !bytes.Equal(payload(c), p) {
		return Claims{}, ErrInvalid
	}
	return c, nil
}

// MessageIDFor returns a Message-ID (RFC 5322 §3.6.4, with angle brackets)
// that names contact and campaign under the server key: "<m" + token + "@"
// + domain + ">". Reports that quote only the original header (DSNs,
// feedback-loop complaints) can then be verified with ParseMessageID.
func (k *Keys) MessageIDFor(contactID, campaignID int64, domain string) string {
	return k.MessageIDOf(Claims{ContactID: contactID, CampaignID: campaignID}, domain)
}

// MessageIDOf is MessageIDFor with c's contact, campaign and test mark.
func (k *Keys) MessageIDOf(c Claims, domain string) string {
	c.Purpose = MessageID
	var buf [128]byte
	b := append(buf[:0], '<')
	return string(append(k.appendAddress(b, c, domain), '>'))
}

// ParseMessageID verifies a Message-ID made by MessageIDFor (angle brackets
// and surrounding space optional) and returns its claims.
func (k *Keys) ParseMessageID(id string) (Claims, error) {
	id = strings.TrimSpace(id)
	if len(id) > 300 {
		return Claims{}, ErrInvalid
	}
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	c, err := k.ParseAddress(id)
	if err != nil || c.Purpose != MessageID {
		return Claims{}, ErrInvalid
	}
	return c, nil
}
