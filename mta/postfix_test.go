package mta

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/internal/testenv"
)

// TestRelayThroughPostfix sends a pipelined batch through a real Postfix
// (testenv.StartPostfix) over STARTTLS, its self-signed certificate
// trusted: messages to a domain Postfix relays are accepted, a recipient
// Postfix refuses with 550 5.1.1 bounces and one it answers 450 4.2.0 is
// deferred, each with its own reply, in one session. What Postfix passes
// on (its Received field on top) still verifies with dkimpy, RSA and
// Ed25519, and Postfix logs no improper pipelining.
func TestRelayThroughPostfix(t *testing.T) {
	t.Parallel()
	sink := startServer(t, serverOptions{})
	pf := testenv.StartPostfix(t, testenv.PostfixOptions{RelayHost: sink.addr, RelayDomains: []string{"accept.test"},
		Refuse: map[string]string{"reject.test": "550 5.1.1 no such user",
			"defer.test": "450 4.2.0 try again later"}})
	pem, err := os.ReadFile(pf.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	tr, err := NewRelay(RelayConfig{Host: "127.0.0.1", Port: pf.Port, TLS: "starttls", HeloName: "sender.example.org",
		TLSConfig: &tls.Config{RootCAs: pool, ServerName: testenv.LocalDomain}}, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })

	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	d, err := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "s", PrivateKey: rsaKey(t)},
		{Domain: "example.org", Selector: "e", PrivateKey: edKey}})
	if err != nil {
		t.Fatal(err)
	}
	txt := map[string]string{}
	txt["s._domainkey.example.org"], _ = DKIMRecord(rsaKey(t).Public())
	txt["e._domainkey.example.org"], _ = DKIMRecord(edKey.Public())
	msgs := awkwardMessages()
	rcpts := []string{"a@accept.test", "nobody@reject.test", "b@accept.test", "later@defer.test", "c@accept.test"}
	shapes := []string{"multipart", "7bit", "attachment", "html only", "no crlf"}
	batch := make([]Envelope, len(rcpts))
	for i, to := range rcpts {
		sig, err := d.AppendSignature(nil, msgs[shapes[i]])
		if err != nil {
			t.Fatal(err)
		}
		batch[i] = Envelope{ID: fmt.Sprint(i), From: "b+" + fmt.Sprint(i) + "@bounce.example.org", To: to, Signature: sig, Data: msgs[shapes[i]]}
	}
	res := tr.Send(t.Context(), "accept.test", batch)
	for i, r := range res {
		dom := AddressDomain(rcpts[i])
		switch {
		case dom == "accept.test" && r.Outcome() != Sent,
			dom == "reject.test" && (r.Outcome() != Bounced || r.Code != 550 || r.Enhanced != "5.1.1" || r.Command != "RCPT"),
			dom == "defer.test" && (r.Outcome() != Deferred || r.Code != 450 || r.Enhanced != "4.2.0" || r.Command != "RCPT"):
			t.Errorf("%s: %v (%s, command %s)\n%s", rcpts[i], r, r.Outcome(), r.Command, pf.Log())
		}
	}
	var got []received
	for deadline := time.Now().Add(20 * time.Second); len(got) < 3 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		got = sink.messages()
	}
	if len(got) != 3 {
		t.Fatalf("Postfix passed on %d messages, want 3\n%s", len(got), pf.Log())
	}
	arrived := make([][]byte, len(got))
	for i, m := range got {
		arrived[i] = m.data
		if !strings.HasPrefix(string(m.data), "Received: ") {
			t.Errorf("message to %s did not come through Postfix:\n%.300s", m.to, m.data)
		}
	}
	for i, r := range testenv.DKIMPy(t, txt, arrived) {
		if len(r.Sigs) != 2 {
			t.Errorf("message to %s: %d signatures after Postfix", got[i].to, len(r.Sigs))
		}
		for _, s := range r.Sigs {
			if !s.OK {
				t.Errorf("message to %s: the %s signature fails after Postfix: %s", got[i].to, s.Algorithm, s.Error)
			}
		}
	}
	log := pf.Log()
	if strings.Contains(log, "improper command pipelining") || !strings.Contains(log, "TLS connection established from") {
		t.Errorf("Postfix's log shows improper pipelining or no TLS:\n%s", log)
	}
}
