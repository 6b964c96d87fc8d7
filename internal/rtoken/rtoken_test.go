package rtoken

import (
	"strings"
	"testing"
	"time"
)

func TestMintParse(t *testing.T) {
	k := NewKeys(strings.Repeat("k", 32))
	tok := k.Mint(Claims{Purpose: Unsubscribe, ContactID: 42, CampaignID: 7})
	c, err := k.Parse(tok, Unsubscribe)
	if err != nil || c.ContactID != 42 || c.CampaignID != 7 {
		t.Fatalf("Parse = %+v, %v", c, err)
	}
	if _, err := k.Parse(tok, Update); err != ErrInvalid {
		t.Errorf("wrong purpose: err = %v, want ErrInvalid", err)
	}
}

func TestTamperedAndForeign(t *testing.T) {
	k := NewKeys(strings.Repeat("k", 32))
	tok := k.Mint(Claims{Purpose: Update, ContactID: 1})
	p, m, _ := strings.Cut(tok, ".")
	bad := []string{"", "x", tok + "a", p + "." + strings.ToUpper(m), "AA." + m, p, strings.Repeat("A", 300)}
	other := NewKeys(strings.Repeat("o", 32)).Mint(Claims{Purpose: Update, ContactID: 1})
	bad = append(bad, other)
	for _, b := range bad {
		if _, err := k.Parse(b, Update); err != ErrInvalid {
			t.Errorf("Parse(%q) err = %v, want ErrInvalid", b, err)
		}
	}
}

func TestRotation(t *testing.T) {
	old := NewKeys(strings.Repeat("a", 32))
	tok := old.Mint(Claims{Purpose: Privacy, ContactID: 9})
	rotated := NewKeys(strings.Repeat("b", 32), strings.Repeat("a", 32))
	if _, err := rotated.Parse(tok, Privacy); err != nil {
		t.Fatalf("old key must still verify: %v", err)
	}
	if _, err := NewKeys(strings.Repeat("b", 32)).Parse(tok, Privacy); err != ErrInvalid {
		t.Fatalf("dropped key must not verify: %v", err)
	}
}

func TestExpiry(t *testing.T) {
	k := NewKeys(strings.Repeat("k", 32))
	tok := k.Mint(Claims{Purpose: Confirm, ContactID: 1, Expires: time.Now().Add(-2 * time.Minute)})
	if _, err := k.Parse(tok, Confirm); err != ErrExpired {
		t.Fatalf("err = %v, want ErrExpired", err)
	}
	tok = k.Mint(Claims{Purpose: Confirm, ContactID: 1, Expires: time.Now().Add(time.Hour)})
	if _, err := k.Parse(tok, Confirm); err != nil {
		t.Fatalf("err = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	k := NewKeys(strings.Repeat("k", 32))
	f.Add(k.Mint(Claims{Purpose: Unsubscribe, ContactID: 1, CampaignID: 2}))
	f.Fuzz(func(t *testing.T, s string) {
		k.Parse(s, Unsubscribe)
	})
}

// TestTestMark: a test token says so after a round trip (link and VERP
// address), an ordinary one does not, and the mark is under the MAC: it can
// be neither added to nor removed from a token.
func TestTestMark(t *testing.T) {
	k := NewKeys(strings.Repeat("k", 32))
	test := k.Mint(Claims{Purpose: Unsubscribe, CampaignID: 7, Test: true})
	plain := k.Mint(Claims{Purpose: Unsubscribe, CampaignID: 7})
	if c, err := k.Parse(test, Unsubscribe); err != nil || !c.Test || c.CampaignID != 7 || c.ContactID != 0 {
		t.Errorf("test token: %+v %v", c, err)
	}
	if c, err := k.Parse(plain, Unsubscribe); err != nil || c.Test {
		t.Errorf("plain token: %+v %v", c, err)
	}
	// Swap the payloads: the MACs no longer match.
	tp, tm, _ := strings.Cut(test, ".")
	pp, pm, _ := strings.Cut(plain, ".")
	for _, forged := range []string{pp + "." + tm, tp + "." + pm} {
		if _, err := k.Parse(forged, Unsubscribe); err != ErrInvalid {
			t.Errorf("forged %q: %v", forged, err)
		}
	}
	addr := k.Address(Claims{Purpose: Bounce, CampaignID: 7, Test: true}, "b.example")
	if c, err := k.ParseAddress(addr); err != nil || !c.Test {
		t.Errorf("test VERP address %s: %+v %v", addr, c, err)
	}
	if local, _, _ := strings.Cut(addr, "@"); len(local) > 64 {
		t.Errorf("local part %d characters", len(local))
	}
}
