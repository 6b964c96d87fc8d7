package rtoken

import (
	"strings"
	"testing"
)

func TestAddressRoundTrip(t *testing.T) {
	k := NewKeys("0123456789abcdef0123456789abcdef")
	for _, p := range []Purpose{Bounce, Unsubscribe} {
		addr := k.Address(Claims{Purpose: p, ContactID: 1 << 40, CampaignID: 77}, "bounce.example.org")
		local, domain, _ := strings.Cut(addr, "@")
		if domain != "bounce.example.org" || len(local) > 64 || local != strings.ToLower(local) {
			t.Fatalf("address %q", addr)
		}
		for _, a := range []string{addr, strings.ToUpper(local) + "@" + domain} {
			c, err := k.ParseAddress(a)
			if err != nil || c.Purpose != p || c.ContactID != 1<<40 || c.CampaignID != 77 {
				t.Errorf("ParseAddress(%q) = %+v, %v", a, c, err)
			}
		}
	}
}

func TestAddressRejectsForgery(t *testing.T) {
	k := NewKeys("0123456789abcdef0123456789abcdef")
	other := NewKeys("ffffffffffffffffffffffffffffffff")
	addr := k.Address(Claims{Purpose: Bounce, ContactID: 5, CampaignID: 6}, "b.example")
	local, _, _ := strings.Cut(addr, "@")
	flipped := local[:len(local)-3] + map[bool]string{true: "b", false: "a"}[local[len(local)-3] == 'a'] + local[len(local)-2:]
	for _, bad := range []string{
		other.Address(Claims{Purpose: Bounce, ContactID: 5, CampaignID: 6}, "b.example"),
		flipped + "@b.example",
		"u" + local[1:] + "@b.example", // purpose swapped
		"postmaster@b.example", "b@b.example", "", "b!!!@x",
	} {
		if _, err := k.ParseAddress(bad); err == nil {
			t.Errorf("ParseAddress(%q) accepted", bad)
		}
	}
	if _, err := NewKeys("x", "0123456789abcdef0123456789abcdef").ParseAddress(addr); err != nil {
		t.Errorf("old key does not verify: %v", err)
	}
}

func TestMessageID(t *testing.T) {
	k := NewKeys("0123456789abcdef0123456789abcdef")
	id := k.MessageIDFor(42, 7, "bounce.example.org")
	if !strings.HasPrefix(id, "<m") || !strings.HasSuffix(id, "@bounce.example.org>") {
		t.Fatalf("Message-ID %q", id)
	}
	for _, s := range []string{id, " " + strings.Trim(id, "<>") + " ", strings.ToUpper(id)} {
		c, err := k.ParseMessageID(s)
		if err != nil || c.ContactID != 42 || c.CampaignID != 7 || c.Purpose != MessageID {
			t.Errorf("ParseMessageID(%q) = %+v, %v", s, c, err)
		}
	}
	rotated := NewKeys("ffffffffffffffffffffffffffffffff", "0123456789abcdef0123456789abcdef")
	if _, err := rotated.ParseMessageID(id); err != nil {
		t.Errorf("old key does not verify a Message-ID: %v", err)
	}
	local := strings.Trim(id, "<>")
	tampered := "<" + local[:5] + map[bool]string{true: "b", false: "a"}[local[5] == 'a'] + local[6:] + ">"
	verp := "<" + k.Address(Claims{Purpose: Bounce, ContactID: 42, CampaignID: 7}, "b.example") + ">"
	for _, bad := range []string{tampered, verp, "<1234.abcd@example.org>", NewKeys("x").MessageIDFor(42, 7, "b.example"), ""} {
		if _, err := k.ParseMessageID(bad); err == nil {
			t.Errorf("ParseMessageID(%q) accepted", bad)
		}
	}
}
