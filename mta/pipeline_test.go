package mta

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/templates"
)

// TestPipeline renders, composes, signs and relays messages to a real SMTP
// server, then checks what arrived: headers, both DKIM signatures (go-msgauth
// verifier, injected key lookup) and the merge fields.
func TestPipeline(t *testing.T) {
	t.Parallel()
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "rsa", PrivateKey: rsaKey(t)},
		{Domain: "example.org", Selector: "ed", PrivateKey: edPriv}})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	signer.WithMetrics(reg)
	dns := dnsTXT{}
	dns.add(t, "rsa", "example.org", rsaKey(t).Public())
	dns.add(t, "ed", "example.org", edPriv.Public())
	tpl, err := templates.Compile(context.Background(), "Nieuws voor {{.Contact.Name}}", `<p>Beste {{.Contact.Name}},</p><p>Lees <a href="https://example.org/a">dit</a>.</p>`, "",
		templates.Style{OrgName: "Stichting Voorbeeld", Address: "Postbus 1, Utrecht"})
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, serverOptions{})
	tr := relayFor(t, s, RelayConfig{})
	var batch []Envelope
	names := []string{"Jan", "Zoë Ünal", "Piet <de Vries>"}
	for i, name := range names {
		d := templates.Sample()
		d.Contact.Name, d.Contact.Email = name, fmt.Sprintf("c%d@example.net", i)
		d.Links.Unsubscribe = fmt.Sprintf("https://example.org/u/tok%d", i)
		r, err := tpl.Render(context.Background(), d, templates.RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		msg := Compose(Header{From: "Stichting Voorbeeld <nieuws@example.org>", To: d.Contact.Email, Subject: r.Subject,
			ListUnsubscribe: []string{d.Links.Unsubscribe, "mailto:unsub+tok@bounce.example.org"}, OneClick: true,
			ListID: "Nieuws <nieuws.example.org>", FeedbackID: "1:nieuws:postbode"}, r.HTML, r.Text)
		signed, err := signer.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, Envelope{ID: fmt.Sprint(i), From: fmt.Sprintf("bounce+v%d@bounce.example.org", i), To: d.Contact.Email, Data: signed})
	}
	for i, r := range tr.Send(t.Context(), "example.net", batch) {
		if r.Outcome() != Sent {
			t.Fatalf("envelope %d: %v", i, r)
		}
	}
	got := s.messages()
	if len(got) != len(names) {
		t.Fatalf("%d messages arrived", len(got))
	}
	for i, m := range got {
		if n := len(verify(t, dns, m.data)); n != 2 {
			t.Errorf("message %d: %d valid signatures, want 2", i, n)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(m.data))
		if err != nil {
			t.Fatal(err)
		}
		subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if subj != "Nieuws voor "+names[i] {
			t.Errorf("subject %q", subj)
		}
		if lu := msg.Header.Get("List-Unsubscribe"); !strings.Contains(lu, fmt.Sprintf("<https://example.org/u/tok%d>", i)) || msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("list-unsubscribe %q", lu)
		}
	}
	if !bytes.Contains(got[2].data, []byte("Piet &lt;de Vries&gt;")) {
		t.Error("merge field not HTML-escaped in the delivered message")
	}
}

// BenchmarkPipelineParallel runs the send path on every core (GOMAXPROCS
// goroutines, each with its own batches over the shared pool): 1e9/ns-per-op
// is the messages per second this machine's CPUs allow for render, compose,
// sign and SMTP, the queue not counted.
func BenchmarkPipelineParallel(b *testing.B) {
	tpl, signer, tr := pipelineSetup(b)
	defer tr.Close()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		d := templates.Sample()
		batch := make([]Envelope, 0, 50)
		flush := func() {
			for _, r := range tr.Send(b.Context(), "example.net", batch) {
				if r.Outcome() != Sent {
					b.Error(r)
				}
			}
			batch = batch[:0]
		}
		for pb.Next() {
			batch = append(batch, pipelineMessage(b, tpl, signer, d))
			if len(batch) == cap(batch) {
				flush()
			}
		}
		if len(batch) > 0 {
			flush()
		}
	})
}

func pipelineSetup(b *testing.B) (*templates.Template, *DKIM, Transport) {
	var sb strings.Builder
	for sb.Len() < 18000 {
		sb.WriteString(`<p>Beste lezer, dit is een alinea met tekst over het werk van de stichting, over projecten en vrijwilligers. Lees <a href="https://example.org/artikel">meer</a>.</p>` + "\n")
	}
	tpl, err := templates.Compile(context.Background(), "Nieuws voor {{.Contact.Name}}", `<h1>Beste {{.Contact.Name}}</h1>`+sb.String(), "", templates.Style{OrgName: "Stichting"})
	if err != nil {
		b.Fatal(err)
	}
	signer, _ := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "s", PrivateKey: rsaKey(b)}})
	port := sink(b, true)
	tr, _ := NewRelay(RelayConfig{Host: "127.0.0.1", Port: port, TLS: "none"}, prometheus.NewRegistry())
	b.Logf("RSA backend %s", RSABackend)
	return tpl, signer, tr
}

func pipelineMessage(b *testing.B, tpl *templates.Template, signer *DKIM, d templates.Data) Envelope {
	r, err := tpl.Render(context.Background(), d, templates.RenderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	msg := Compose(Header{From: "nieuws@example.org", To: "jan@example.net", Subject: r.Subject,
		ListUnsubscribe: []string{"https://example.org/u/x", "mailto:u@example.org"}, OneClick: true}, r.HTML, r.Text)
	signed, err := signer.Sign(msg)
	if err != nil {
		b.Fatal(err)
	}
	return Envelope{From: "b@example.org", To: "jan@example.net", Data: signed}
}

// BenchmarkPipeline is the per-message CPU of the send path on one core:
// render (20 KB), compose, DKIM-sign (RSA-2048), pipelined SMTP to a sink.
func BenchmarkPipeline(b *testing.B) {
	tpl, signer, tr := pipelineSetup(b)
	defer tr.Close()
	d := templates.Sample()
	b.ResetTimer()
	batch := make([]Envelope, 0, 50)
	for i := 0; i < b.N; i++ {
		batch = append(batch, pipelineMessage(b, tpl, signer, d))
		if len(batch) == cap(batch) || i == b.N-1 {
			for _, r := range tr.Send(b.Context(), "example.net", batch) {
				if r.Outcome() != Sent {
					b.Fatal(r)
				}
			}
			batch = batch[:0]
		}
	}
}
