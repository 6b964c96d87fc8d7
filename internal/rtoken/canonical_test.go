package rtoken

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// Each token and each token address is accepted in exactly one spelling:
// changing the last character of either part (which carries unused bits)
// never yields another accepted token.
func TestOneSpelling(t *testing.T) {
	k := NewKeys(strings.Repeat("k", 32))
	for id := int64(1); id < 40; id++ {
		tok := k.Mint(Claims{Purpose: Verify, ContactID: id * 977, CampaignID: id})
		p, m, _ := strings.Cut(tok, ".")
		accepted := 0
		for _, c := range b64Alphabet {
			for _, v := range []string{p[:len(p)-1] + string(c) + "." + m, p + "." + m[:len(m)-1] + string(c)} {
				if _, err := k.Parse(v, Verify); err == nil {
					accepted++
					if v != tok {
						t.Fatalf("second spelling accepted: %q for %q", v, tok)
					}
				}
			}
		}
		if accepted != 2 { // the original, once per part's loop
			t.Fatalf("token %q accepted %d times", tok, accepted)
		}
		addr := k.Address(Claims{Purpose: Bounce, ContactID: id * 977, CampaignID: id}, "b.example")
		local, _, _ := strings.Cut(addr, "@")
		for _, c := range "abcdefghijklmnopqrstuvwxyz234567" {
			v := local[:len(local)-1] + string(c) + "@b.example"
			if _, err := k.ParseAddress(v); err == nil && v != addr {
				t.Fatalf("second spelling of an address accepted: %q for %q", v, addr)
			}
		}
	}
}

// Identity is the same for tokens of the same claims under different keys
// (rotation) and differs between claims.
func TestIdentity(t *testing.T) {
	old, cur := strings.Repeat("o", 32), strings.Repeat("n", 32)
	c := Claims{Purpose: Verify, ContactID: 9, CampaignID: 3, Issued: time.Unix(1_700_000_000, 0)}
	a, b := NewKeys(old).Mint(c), NewKeys(cur).Mint(c)
	k := NewKeys(cur, old)
	ca, err1 := k.Parse(a, Verify)
	cb, err2 := k.Parse(b, Verify)
	if err1 != nil || err2 != nil || a == b {
		t.Fatal(err1, err2)
	}
	if !bytes.Equal(ca.Identity(), cb.Identity()) {
		t.Error("same claims, different identity")
	}
	c.ContactID = 10
	cc, _ := k.Parse(k.Mint(c), Verify)
	if bytes.Equal(ca.Identity(), cc.Identity()) {
		t.Error("different claims, same identity")
	}
}

// encoding/base64 skips CR and LF even in strict mode, so "tok\n" or a line
// break inside either part would be another spelling; none is accepted.
func TestOneSpellingLineBreaks(t *testing.T) {
	k := NewKeys(strings.Repeat("k", 32))
	tok := k.Mint(Claims{Purpose: Unsubscribe, ContactID: 12345, CampaignID: 7})
	if _, err := k.Parse(tok, Unsubscribe); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{tok + "\n", tok + "\r\n", "\n" + tok, tok[:3] + "\r" + tok[3:], strings.Replace(tok, ".", ".\n", 1),
		tok[:len(tok)-2] + "\n" + tok[len(tok)-2:]} {
		if _, err := k.Parse(v, Unsubscribe); err == nil {
			t.Errorf("accepted %q", v)
		}
	}
	addr := k.Address(Claims{Purpose: Bounce, ContactID: 12345, CampaignID: 7}, "b.example")
	if _, err := k.ParseAddress(addr[:5] + "\n" + addr[5:]); err == nil {
		t.Errorf("accepted an address with a line break")
	}
}
