// Package clientnet says which addresses count as one client for a rate
// limit or lockout: an IPv4 address on its own, an IPv6 address with its
// whole /64. A site holds a /64 (RFC 4291 §2.5.4) and can send each
// request from another address of it, so a limit per IPv6 address limits
// nothing. Every per-client limit (staff login lockout, the public forms,
// privacy request mails, the bounce listener's unproven-mail quota) counts
// through it.
package clientnet

import "net/netip"

// Of is the network a counts under: a/32 for IPv4 (an IPv4-mapped IPv6
// address included), its /64 for IPv6. The zero Addr gives the zero Prefix.
func Of(a netip.Addr) netip.Prefix {
	if !a.IsValid() {
		return netip.Prefix{}
	}
	a = a.Unmap().WithZone("")
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

// Range is the first and last address of Of(a), for a range query over
// stored addresses.
func Range(a netip.Addr) (first, last netip.Addr) {
	p := Of(a)
	if !p.IsValid() {
		return netip.Addr{}, netip.Addr{}
	}
	first = p.Addr()
	b := first.AsSlice()
	for i := p.Bits() / 8; i < len(b); i++ {
		b[i] = 0xff
	}
	last, _ = netip.AddrFromSlice(b)
	return first, last
}
