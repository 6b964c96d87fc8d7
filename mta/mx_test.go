package mta

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/postbode/postbode/internal/identity"
	"github.com/prometheus/client_golang/prometheus"
)

// fakeDNS is an injected resolver: MX records per domain, addresses per host.
type fakeDNS struct {
	mx      map[string][]*net.MX
	addrs   map[string][]string
	mxCalls atomic.Int32
}

func (d *fakeDNS) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	d.mxCalls.Add(1)
	if mx, ok := d.mx[name]; ok {
		return mx, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (d *fakeDNS) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	var out []net.IPAddr
	for _, a := range d.addrs[strings.TrimSuffix(host, ".")] {
		out = append(out, net.IPAddr{IP: net.ParseIP(a)})
	}
	if len(out) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return out, nil
}

func TestMXDelivery(t *testing.T) {
	t.Parallel()
	srvTLS, _ := selfSigned(t)
	s := startServer(t, serverOptions{tls: srvTLS})
	dns := &fakeDNS{
		mx: map[string][]*net.MX{
			// The preferred MX refuses connections (nothing listens on
			// 127.0.0.2 at this port): delivery falls back to the next.
			"example.net":  {{Host: "mx2.example.net.", Pref: 20}, {Host: "mx1.example.net.", Pref: 10}},
			"null.example": {{Host: ".", Pref: 0}},
		},
		addrs: map[string][]string{
			"mx1.example.net": {"127.0.0.2"},
			"mx2.example.net": {"127.0.0.1"},
			"a-only.example":  {"127.0.0.1"},
		},
	}
	tr := NewMX(MXConfig{HeloName: "sender.example.org", Resolver: dns, Port: s.port, AllowLoopback: true}, prometheus.NewRegistry())
	defer tr.Close()
	ctx := t.Context()

	rs := tr.Send(ctx, "example.net", envelopes(3, "example.net"))
	for i, r := range rs {
		if r.Outcome() != Sent {
			t.Fatalf("example.net %d: %v", i, r)
		}
	}
	if m := s.messages(); len(m) != 3 || !m[0].tls {
		t.Errorf("%d messages, opportunistic TLS %v", len(m), len(m) > 0 && m[0].tls)
	}
	rs = tr.Send(ctx, "EXAMPLE.net.", envelopes(2, "example.net"))
	if rs[0].Outcome() != Sent || dns.mxCalls.Load() != 1 {
		t.Errorf("second batch %v, MX lookups %d (want cached)", rs[0], dns.mxCalls.Load())
	}
	// No MX: the domain's own address is used.
	if rs := tr.Send(ctx, "a-only.example", envelopes(1, "a-only.example")); rs[0].Outcome() != Sent {
		t.Errorf("implicit MX: %v", rs[0])
	}
	// Null MX and a domain that does not exist bounce without connecting.
	if rs := tr.Send(ctx, "null.example", envelopes(1, "null.example")); rs[0].Code != 556 || rs[0].Outcome() != Bounced {
		t.Errorf("null MX: %v", rs[0])
	}
	if rs := tr.Send(ctx, "nxdomain.example", envelopes(1, "nxdomain.example")); rs[0].Code != 550 || rs[0].Enhanced != "5.1.2" {
		t.Errorf("no such domain: %v", rs[0])
	}
	// Connections are pooled per server address: all three batches went
	// over one.
	if n := s.accepted.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

func TestMXAllHostsDown(t *testing.T) {
	t.Parallel()
	dns := &fakeDNS{mx: map[string][]*net.MX{"example.net": {{Host: "mx.example.net", Pref: 10}}},
		addrs: map[string][]string{"mx.example.net": {"127.0.0.2"}}}
	tr := NewMX(MXConfig{Resolver: dns, Port: 1, AllowLoopback: true}, nil)
	defer tr.Close()
	rs := tr.Send(t.Context(), "example.net", envelopes(2, "example.net"))
	for _, r := range rs {
		if r.Outcome() != Deferred || r.Err == nil || !strings.Contains(r.Err.Error(), "127.0.0.2:1") {
			t.Errorf("result %v", r)
		}
	}
}

func TestMXStartTLSFailureFallsBackToPlain(t *testing.T) {
	t.Parallel()
	// A server that offers STARTTLS but has no usable certificate.
	s := startServer(t, serverOptions{tls: &tls.Config{}})
	dns := &fakeDNS{mx: map[string][]*net.MX{"example.net": {{Host: "mx.example.net", Pref: 10}}},
		addrs: map[string][]string{"mx.example.net": {"127.0.0.1"}}}
	tr := NewMX(MXConfig{Resolver: dns, Port: s.port, AllowLoopback: true}, nil)
	defer tr.Close()
	rs := tr.Send(t.Context(), "example.net", envelopes(1, "example.net"))
	if rs[0].Outcome() != Sent {
		t.Fatalf("result %v", rs[0])
	}
	if m := s.messages(); len(m) != 1 || m[0].tls {
		t.Errorf("messages %v", m)
	}
}

// TestMXRefusesLoopbackHosts: a recipient domain whose MX (or own address)
// is a loopback or unspecified address is refused without connecting: a
// local mail server commonly relays for loopback clients, so whoever can
// add a recipient (a contact, a test-send address) could relay through it.
// A domain with one usable MX besides is delivered there.
func TestMXRefusesLoopbackHosts(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	dns := &fakeDNS{
		mx: map[string][]*net.MX{
			"local.example": {{Host: "mx.local.example", Pref: 10}},
			"any.example":   {{Host: "mx.any.example", Pref: 10}},
			"v6.example":    {{Host: "mx.v6.example", Pref: 10}},
		},
		addrs: map[string][]string{
			"mx.local.example": {"127.0.0.1"},
			"mx.any.example":   {"0.0.0.0"},
			"mx.v6.example":    {"::1"},
			"a-only.example":   {"127.0.0.5"},
			"mapped.example":   {"::ffff:127.0.0.1"},
		},
	}
	tr := NewMX(MXConfig{Resolver: dns, Port: s.port}, nil)
	defer tr.Close()
	for _, d := range []string{"local.example", "any.example", "v6.example", "a-only.example", "mapped.example"} {
		rs := tr.Send(t.Context(), d, envelopes(1, d))
		if rs[0].Outcome() != Bounced || rs[0].Enhanced != "5.4.4" {
			t.Errorf("%s: %v, want refused 550 5.4.4", d, rs[0])
		}
	}
	if n := s.accepted.Load(); n != 0 || len(s.messages()) != 0 {
		t.Errorf("%d connections to the loopback server, want none", n)
	}
}

// TestMXInternationalDomain: an address at an internationalised domain, as
// contacts keep it (U-labels: user0@bücher.example), is delivered: the MX
// lookup, the envelope and the To field use the domain's A-labels (RFC
// 5890, RFC 6531 §3.2). Looked up as U-labels, a real resolver answers "no
// such host" (Go's refuses such a name without asking), which made the
// message bounce as 5.1.2 and the contact be suppressed.
func TestMXInternationalDomain(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	dns := &fakeDNS{mx: map[string][]*net.MX{"xn--bcher-kva.example": {{Host: "mx.xn--bcher-kva.example.", Pref: 10}}},
		addrs: map[string][]string{"mx.xn--bcher-kva.example": {"127.0.0.1"}}}
	tr := NewMX(MXConfig{Resolver: dns, Port: s.port, AllowLoopback: true}, nil)
	defer tr.Close()
	rs := tr.Send(t.Context(), "bücher.example", envelopes(1, "bücher.example"))
	if rs[0].Outcome() != Sent {
		t.Fatalf("result %v", rs[0])
	}
	m := s.messages()
	if len(m) != 1 || m[0].to != "user0@xn--bcher-kva.example" || m[0].utf8 {
		t.Fatalf("received %v", envelopesOf(m))
	}
	if !bytes.Contains(m[0].data, []byte("\r\nTo: <user0@xn--bcher-kva.example>\r\n")) {
		t.Errorf("header:\n%s", m[0].data[:bytes.Index(m[0].data, []byte("\r\n\r\n"))])
	}
}

// TestSMTPUTF8LocalPart: an address whose local part is not ASCII
// (jösé@example.org, RFC 6532) goes only to a server that offers SMTPUTF8,
// with MAIL FROM ... SMTPUTF8; any other server is never given it (RFC
// 6531 §3.2): refused locally with 553 5.6.7.
func TestSMTPUTF8LocalPart(t *testing.T) {
	t.Parallel()
	for _, opt := range []serverOptions{{}, {noPipelining: true}, {smtputf8: true}, {smtputf8: true, noPipelining: true}} {
		s := startServer(t, opt)
		tr := relayFor(t, s, RelayConfig{})
		es := envelopes(2, "example.org")
		es[0].To = "jösé@example.org"
		rs := tr.Send(t.Context(), "example.org", es)
		if rs[1].Outcome() != Sent {
			t.Errorf("%+v: ASCII address: %v", opt, rs[1])
		}
		m := s.messages()
		if !opt.smtputf8 {
			if rs[0].Code != 553 || rs[0].Enhanced != "5.6.7" || len(m) != 1 || m[0].utf8 {
				t.Errorf("%+v: %v, received %v", opt, rs[0], envelopesOf(m))
			}
			continue
		}
		if rs[0].Outcome() != Sent || len(m) != 2 || m[0].to != "jösé@example.org" || !m[0].utf8 || m[1].utf8 {
			t.Errorf("%+v: %v, received %v", opt, rs[0], envelopesOf(m))
		}
	}
}

// envelopesOf lists what the server received as "from to utf8".
func envelopesOf(m []received) []string {
	var out []string
	for _, r := range m {
		out = append(out, fmt.Sprint(r.from, " ", r.to, " ", r.utf8))
	}
	return out
}

// TestSMTPUTF8InvalidIDNDomain: a domain that is not ASCII and has no
// A-labels (not a valid IDN: a label that starts with a combining mark)
// cannot be written in an ASCII envelope: like a local part that is not
// ASCII it goes only to a server that offers SMTPUTF8, and any other
// server is never given it (RFC 6531 §3.2), refused locally with 553
// 5.6.7.
func TestSMTPUTF8InvalidIDNDomain(t *testing.T) {
	t.Parallel()
	const domain = "\u0301ab.example"
	if got := identity.ASCIIDomain(domain); got != domain {
		t.Fatalf("ASCIIDomain(%q) = %q: pick a domain that is no valid IDN", domain, got)
	}
	for _, opt := range []serverOptions{{}, {noPipelining: true}} {
		s := startServer(t, opt)
		tr := relayFor(t, s, RelayConfig{})
		es := envelopes(2, "example.org")
		es[0].To = "user@" + domain
		rs := tr.Send(t.Context(), "example.org", es)
		m := s.messages()
		if rs[0].Code != 553 || rs[0].Enhanced != "5.6.7" || rs[1].Outcome() != Sent || len(m) != 1 {
			t.Errorf("%+v: %v %v, received %v", opt, rs[0], rs[1], envelopesOf(m))
		}
	}
}

// TestQuotedLocalPart: a quoted local part with a space or angle brackets
// ("john smith"@example.org) is legal in MAIL and RCPT (RFC 5321 §4.1.2
// Quoted-string) and goes out as it is, pipelining or not; an address that
// is no Mailbox at all is refused before any server sees it, marked Local
// (no server said anything of the mailbox), as is a non-ASCII local part
// for a server without SMTPUTF8.
func TestQuotedLocalPart(t *testing.T) {
	t.Parallel()
	for _, opt := range []serverOptions{{}, {noPipelining: true}} {
		s := startServer(t, opt)
		tr := relayFor(t, s, RelayConfig{})
		es := envelopes(6, "example.org")
		es[0].To = `"john smith"@example.org`
		es[1].To = `"a<b>c"@example.org`
		es[2].To = `"q\"uote"@example.org`
		es[3].To = `john smith@example.org`
		es[4].To = `jösé@example.org`
		rs := tr.Send(t.Context(), "example.org", es)
		for i, want := range []string{"john smith@example.org", "a<b>c@example.org", `q"uote@example.org`} {
			if rs[i].Outcome() != Sent || rs[i].Local {
				t.Errorf("%+v: %s: %v", opt, es[i].To, rs[i])
			}
			if !slices.ContainsFunc(s.messages(), func(r received) bool { return r.to == want }) {
				t.Errorf("%+v: %s not received as %q: %v", opt, es[i].To, want, envelopesOf(s.messages()))
			}
		}
		for i := 3; i <= 4; i++ {
			if rs[i].Code != 553 || !rs[i].Local || rs[i].Outcome() != Bounced {
				t.Errorf("%+v: %s: %+v, want a local 553", opt, es[i].To, rs[i])
			}
		}
		if rs[5].Outcome() != Sent || rs[5].Local || len(s.messages()) != 4 {
			t.Errorf("%+v: %v, received %v", opt, rs[5], envelopesOf(s.messages()))
		}
	}
}
