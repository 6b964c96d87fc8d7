package httpapi

import (
	"log/slog"
	"net/http"
	"net/netip"
)

// Allowed reports whether ip is inside one of the prefixes (an empty list
// allows everyone).
func Allowed(ip netip.Addr, prefixes []netip.Prefix) bool {
	if len(prefixes) == 0 {
		return true
	}
	for _, p := range prefixes {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

// IPPrefix shortens an address for logs at info level: the /24 of an IPv4
// address, the /48 of an IPv6 one.
func IPPrefix(ip netip.Addr) string {
	bits := 48
	if ip.Is4() || ip.Is4In6() {
		ip, bits = ip.Unmap(), 24
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return "invalid"
	}
	return p.String()
}

// AllowList refuses requests from clients outside prefixes with 403 and a
// log line naming only the client's network; paths in open (health checks)
// are always served.
func AllowList(prefixes []netip.Prefix, open []string, log *slog.Logger, next http.Handler) http.Handler {
	if len(prefixes) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range open {
			if r.URL.Path == p {
				next.ServeHTTP(w, r)
				return
			}
		}
		ip := ClientIP(r)
		if !Allowed(ip, prefixes) {
			log.Info("request refused by the allow-list", slog.String("ip_prefix", IPPrefix(ip)), slog.String("path", r.URL.Path))
			WriteError(w, r, log, NewError(http.StatusForbidden, "ip_not_allowed", "this address may not use the admin interface"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
