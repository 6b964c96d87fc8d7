package pages

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is the address of the person making the request: the peer,
// unless the peer is a trusted proxy (public.trusted_proxies); then
// X-Forwarded-For is read from the right, skipping trusted proxies, and
// the first untrusted address is the client. A forged header from an
// untrusted peer is ignored.
func (s *Server) clientIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	ip = ip.Unmap()
	if !s.trusted(ip) {
		return ip
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return ip
		}
		ip = h.Unmap()
		if !s.trusted(ip) {
			return ip
		}
	}
	return ip
}

func (s *Server) trusted(ip netip.Addr) bool {
	for _, p := range s.opt.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
