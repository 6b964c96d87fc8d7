package staff

import (
	"net/netip"
	"strings"

	"github.com/postbode/postbode/internal/httpapi"
)

// Agent is what a screen shows of a session's User-Agent: the browser
// family and the operating system, without versions or the rest of the
// string ("" for a part it does not recognise).
type Agent struct {
	Browser string
	OS      string
}

// browsers are the families ParseAgent knows, in the order it tries them
// (Edge and Opera say Chrome too, Chrome says Safari too).
var browsers = []struct{ marker, name string }{
	{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chromium/", "Chromium"},
	{"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"}, {"Go-http-client/", "Go"},
	{"python-requests/", "Python"},
}

// systems are the operating systems ParseAgent knows, in the order it
// tries them (Android says Linux too, iOS says Mac OS X too).
var systems = []struct{ marker, name string }{
	{"Windows", "Windows"}, {"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iOS"},
	{"CrOS", "ChromeOS"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"},
}

// ParseAgent reads the browser family and operating system of ua.
func ParseAgent(ua string) Agent {
	var a Agent
	for _, b := range browsers {
		if strings.Contains(ua, b.marker) {
			a.Browser = b.name
			break
		}
	}
	for _, s := range systems {
		if strings.Contains(ua, s.marker) {
			a.OS = s.name
			break
		}
	}
	return a
}

// Agent is the session's browser and operating system (ParseAgent).
func (s Session) Agent() Agent { return ParseAgent(s.UserAgent) }

// Network is the network the session came from, never the full address:
// the /24 of an IPv4 address, the /48 of an IPv6 one (httpapi.IPPrefix);
// "" when none was recorded.
func (s Session) Network() string {
	if s.IP == nil {
		return ""
	}
	ip, err := netip.ParseAddr(*s.IP)
	if err != nil {
		return ""
	}
	return httpapi.IPPrefix(ip)
}
