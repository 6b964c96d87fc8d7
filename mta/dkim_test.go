package mta

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/postbode/postbode/internal/testenv"
)

var (
	testRSAOnce sync.Once
	testRSA     *rsa.PrivateKey
)

// rsaKey returns a 2048-bit key shared by the tests (generation is slow).
func rsaKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	testRSAOnce.Do(func() {
		var err error
		if testRSA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return testRSA
}

// dnsTXT is an injected DKIM key lookup: name -> record.
type dnsTXT map[string]string

func (d dnsTXT) add(t testing.TB, selector, domain string, pub crypto.PublicKey) {
	t.Helper()
	rec, err := DKIMRecord(pub)
	if err != nil {
		t.Fatal(err)
	}
	d[selector+"._domainkey."+domain] = rec
}

func (d dnsTXT) lookup(name string) ([]string, error) {
	if r, ok := d[name]; ok {
		return []string{r}, nil
	}
	return nil, fmt.Errorf("no TXT for %s", name)
}

// verify runs go-msgauth's verifier and returns the verified domains+algorithms.
func verify(t testing.TB, dns dnsTXT, msg []byte) []string {
	t.Helper()
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), &dkim.VerifyOptions{LookupTXT: dns.lookup})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	var ok []string
	for _, v := range vs {
		if v.Err != nil {
			t.Errorf("signature of %s failed: %v", v.Domain, v.Err)
			continue
		}
		ok = append(ok, v.Domain)
	}
	return ok
}

func testMessage(body string) []byte {
	h := Header{From: "Stichting Voorbeeld <nieuws@example.org>", To: "Jan <jan@example.net>",
		Subject: "Nieuwsbrief — november", MessageID: "abc@example.org", Date: time.Unix(1700000000, 0),
		ListUnsubscribe: []string{"https://example.org/u/x", "mailto:u+x@bounce.example.org"}, OneClick: true,
		ListID: "Nieuwsbrief <nieuws.example.org>", FeedbackID: "c1:news:postbode"}
	return Compose(h, "<p>"+body+"</p>", body)
}

func TestDKIMVerifiesRSAAndEd25519(t *testing.T) {
	t.Parallel()
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	d, err := NewDKIM([]DKIMKey{
		{Domain: "example.org", Selector: "rsa1", PrivateKey: rsaKey(t)},
		{Domain: "example.org", Selector: "ed1", Algorithm: "ed25519", PrivateKey: edPriv},
	})
	if err != nil {
		t.Fatal(err)
	}
	dns := dnsTXT{}
	dns.add(t, "rsa1", "example.org", rsaKey(t).Public())
	dns.add(t, "ed1", "example.org", edPriv.Public())
	signed, err := d.Sign(testMessage("Hallo wereld"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(signed, []byte("DKIM-Signature:")); n != 2 {
		t.Fatalf("%d signatures, want 2", n)
	}
	if got := verify(t, dns, signed); len(got) != 2 {
		t.Fatalf("verified %v, want two", got)
	}
	// Tampering breaks both.
	bad := bytes.Replace(signed, []byte("Hallo"), []byte("Hullo"), 1)
	vs, _ := dkim.VerifyWithOptions(bytes.NewReader(bad), &dkim.VerifyOptions{LookupTXT: dns.lookup})
	for _, v := range vs {
		if v.Err == nil {
			t.Error("tampered body verified")
		}
	}
	// An added From, To, Cc, Reply-To, Subject or List-Unsubscribe breaks
	// them too (oversigning), though the message had no Cc and no Reply-To.
	for _, f := range []string{"From: evil@example.com", "To: other@example.com", "Cc: other@example.com",
		"Reply-To: evil@example.com", "Subject: Urgent", "List-Unsubscribe: <https://evil.example/u>"} {
		bad = append([]byte(f+"\r\n"), signed...)
		vs, _ = dkim.VerifyWithOptions(bytes.NewReader(bad), &dkim.VerifyOptions{LookupTXT: dns.lookup})
		for _, v := range vs {
			if v.Err == nil {
				t.Errorf("a message with an added %q verified", f)
			}
		}
	}
}

// TestBodyCanonicalization signs awkward bodies; go-msgauth's verifier
// recomputes the body hash with its own canonicalizer.
func TestBodyCanonicalization(t *testing.T) {
	t.Parallel()
	d, err := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "s", PrivateKey: rsaKey(t)}})
	if err != nil {
		t.Fatal(err)
	}
	dns := dnsTXT{}
	dns.add(t, "s", "example.org", rsaKey(t).Public())
	head := "From: a@example.org\r\nTo:  b@example.net \r\nSubject: \t folded\r\n  subject  \r\n\r\n"
	bodies := []string{
		"", "\r\n", "\r\n\r\n\r\n", "x", "x\r\n", "x\r\n\r\n\r\n", "a  b\t\tc \r\n", "  leading\r\n",
		"trailing \t \r\nnext\r\n", "lone\nlf\n", "mixed\r\n\n\r\nend", "tab\there\r\n \r\n\t\r\nafter blanks\r\n",
		"cr\rinside\r\n", ".dot\r\n..two\r\n", "\r\n\r\nstarts blank\r\n \r\n",
		strings.Repeat("line with  double  spaces\r\n", 50) + strings.Repeat("\r\n", 3),
	}
	for i, b := range bodies {
		signed, err := d.Sign([]byte(head + b))
		if err != nil {
			t.Fatal(err)
		}
		if got := verify(t, dns, signed); len(got) != 1 {
			t.Errorf("body %d %q: not verified", i, b)
		}
	}
	// Random bodies built from the awkward pieces.
	// (a lone CR, invalid in RFC 5322, is not exercised at line ends)
	pieces := []string{"a", " ", "\t", "\r\n", "\n", "  ", "word", "é"}
	for i := 0; i < 300; i++ {
		var sb strings.Builder
		n := int(randByte()) % 40
		for range n {
			sb.WriteString(pieces[int(randByte())%len(pieces)])
		}
		signed, err := d.Sign([]byte(head + sb.String()))
		if err != nil {
			t.Fatal(err)
		}
		vs, err := dkim.VerifyWithOptions(bytes.NewReader(signed), &dkim.VerifyOptions{LookupTXT: dns.lookup})
		if err != nil || len(vs) != 1 || vs[0].Err != nil {
			t.Fatalf("random body %q: %v %v", sb.String(), err, vs)
		}
	}
}

func randByte() byte {
	var b [1]byte
	rand.Read(b[:])
	return b[0]
}

func TestDKIMKeySelection(t *testing.T) {
	t.Parallel()
	k2, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDKIM([]DKIMKey{
		{Domain: "example.org", Selector: "old", PrivateKey: k2, Retired: true},
		{Domain: "Example.ORG", Selector: "new", Algorithm: "rsa", PrivateKey: rsaKey(t)},
		{Domain: "retired.example", Selector: "x", PrivateKey: k2, Retired: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	for domain, want := range map[string]bool{"example.org": true, "news.example.org": true, "jan@EXAMPLE.org": true,
		"example.com": false, "retired.example": false, "org": false} {
		if got := d.HasDomain(domain); got != want {
			t.Errorf("HasDomain(%q) = %v", domain, got)
		}
	}
	signed, err := d.Sign([]byte("From: x@news.example.org\r\n\r\nhi\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(signed, []byte("s=new;")) || bytes.Contains(signed, []byte("s=old;")) {
		t.Errorf("retired key used or new key not used:\n%s", signed[:300])
	}
	_, err = d.Sign([]byte("From: x@example.com\r\n\r\nhi\r\n"))
	if !errors.Is(err, ErrNoDKIMKey) || !strings.Contains(err.Error(), "example.com") {
		t.Errorf("err = %v, want ErrNoDKIMKey naming example.com", err)
	}
	if _, err := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "s", Algorithm: "ed25519", PrivateKey: rsaKey(t)}}); err == nil {
		t.Error("algorithm mismatch accepted")
	}
	if _, err := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "", PrivateKey: rsaKey(t)}}); err == nil {
		t.Error("empty selector accepted")
	}
}

// body20K is a ~20 KB Compose'd message like a campaign's.
func body20K() []byte {
	var sb strings.Builder
	for sb.Len() < 9500 {
		sb.WriteString("Dit is een alinea met wat tekst over het werk van de stichting, over projecten en vrijwilligers. ")
		sb.WriteString("Lees meer op https://example.org/artikel?id=123 — of niet.\n\n")
	}
	return Compose(Header{From: "Stichting <nieuws@example.org>", To: "jan@example.net", Subject: "Nieuws",
		ListUnsubscribe: []string{"https://example.org/u/x", "mailto:u@example.org"}, OneClick: true},
		"<p>"+strings.ReplaceAll(sb.String(), "\n\n", "</p>\n<p>")+"</p>", sb.String())
}

func BenchmarkSign(b *testing.B) {
	msg := body20K()
	b.Logf("message %d bytes, RSA backend %s", len(msg), RSABackend)
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	rsaOnly, _ := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "s", PrivateKey: rsaKey(b)}})
	both, _ := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "s", PrivateKey: rsaKey(b)},
		{Domain: "example.org", Selector: "e", PrivateKey: edPriv}})
	for _, c := range []struct {
		name string
		d    *DKIM
	}{{"rsa2048-" + RSABackend, rsaOnly}, {"rsa2048+ed25519-" + RSABackend, both}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if _, err := c.d.Sign(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBodyHash(b *testing.B) {
	msg := body20K()
	_, start := splitMessage(msg)
	b.SetBytes(int64(len(msg) - start))
	var out [32]byte
	for b.Loop() {
		bodyHash(msg[start:], out[:0])
	}
}

// BenchmarkRSASign is the RSA-2048 signature alone (no hashing of the message).
func BenchmarkRSASign(b *testing.B) {
	sign, err := newRSASigner(rsaKey(b))
	if err != nil {
		b.Fatal(err)
	}
	digests, sigs, errs := make([][sha256.Size]byte, 1), make([][]byte, 1), make([]error, 1)
	b.Logf("RSA backend %s", RSABackend)
	for b.Loop() {
		if sign(digests, sigs, errs); errs[0] != nil {
			b.Fatal(errs[0])
		}
	}
}

// BenchmarkSHA256 is the floor for BenchmarkBodyHash: hashing the body as is.
func BenchmarkSHA256(b *testing.B) {
	msg := body20K()
	_, start := splitMessage(msg)
	b.SetBytes(int64(len(msg) - start))
	for b.Loop() {
		sha256.Sum256(msg[start:])
	}
}

// BenchmarkSignGoMsgauth is go-msgauth's signer on the same message and key,
// for comparison with BenchmarkSign.
func BenchmarkSignGoMsgauth(b *testing.B) {
	msg := body20K()
	opts := &dkim.SignOptions{Domain: "example.org", Selector: "s", Signer: rsaKey(b),
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed}
	var out bytes.Buffer
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		out.Reset()
		if err := dkim.Sign(&out, bytes.NewReader(msg), opts); err != nil {
			b.Fatal(err)
		}
	}
}

// canonicalizations are the c= values a key may have.
var canonicalizations = []string{"relaxed/relaxed", "relaxed/simple", "simple/relaxed", "simple/simple"}

// awkwardMessages are messages of every shape the send path makes — long
// folded headers, non-ASCII (RFC 2047) subjects and names, quoted-printable
// and 7bit parts, attachments, dots at line starts — and some it does not
// (raw 8bit, an empty body, a body without a final line break, odd folding).
func awkwardMessages() map[string][]byte {
	long := strings.Repeat("lange onderwerpregel met woorden ", 8)
	h := Header{From: "Stichting Voorbeeld <nieuws@example.org>", To: "Zoë Ünal <zoe@example.net>",
		Subject: "Nieuwsbrief — " + long + "€", MessageID: "m1@example.org", Date: time.Unix(1700000000, 0),
		ListUnsubscribe: []string{"https://example.org/u/" + strings.Repeat("t", 120), "mailto:u+x@bounce.example.org?subject=unsubscribe"},
		OneClick:        true, ListID: "Nieuws Ünal <nieuws.example.org>", FeedbackID: "c1:news:postbode",
		Extra: [][2]string{{"X-Postbode-Ref", strings.Repeat("r", 90)}}}
	text := strings.Repeat("Beste lezer, één regel met  twee spaties en een tab\there.\n.punt aan het begin\n", 40) + "\n\n\n"
	html := "<p>" + strings.Repeat("Héllo wereld = gelijk &amp; <b>vet</b> ", 200) + "</p>"
	return map[string][]byte{
		"multipart": Compose(h, html, text),
		// 7bit parts (printable ASCII): dots, double spaces, tabs as they are.
		"7bit": Compose(Header{From: h.From, To: "jan@example.net", Subject: "7bit", MessageID: "m2@example.org"},
			"<p>"+strings.Repeat("Beste lezer,  twee spaties\tand a tab = gelijk.</p>\n.punt\n<p>", 60)+"</p>",
			strings.Repeat("Beste lezer,  twee spaties\tand a tab.\n.punt\n..twee\n.\n", 60)+"\n\n\n"),
		"html only": Compose(h, html, ""),
		"attachment": ComposeMixed(h, html, text, []Attachment{{Name: "overzicht é.pdf", ContentType: "application/pdf",
			Data: bytes.Repeat([]byte{0, 1, 2, 0xff, '\n', '.'}, 3000)}}),
		"8bit":      []byte("From: a@example.org\r\nSubject: 8bit\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHéllo  wörld \t\r\n.dot\r\n\r\n\r\n"),
		"empty":     []byte("From: a@example.org\r\nSubject: leeg\r\n\r\n"),
		"no crlf":   []byte("From: a@example.org\r\nSubject: x\r\n\r\nno final line break"),
		"folded":    []byte("From: a@example.org\r\nSubject:  \t folded\r\n   subject\r\nTO: b@example.net\r\n\r\nx\r\n"),
		"blank end": []byte("From: a@example.org\r\n\r\n\r\n\r\n"),
	}
}

// TestDKIMCanonicalizations signs messages of every shape the send path
// makes — long folded headers, non-ASCII (RFC 2047) subjects and names,
// quoted-printable and raw 8bit bodies, attachments, dots at line starts —
// in each canonicalization, with AppendSignature (the signature sent right
// before the unchanged message), and verifies them with go-msgauth.
func TestDKIMCanonicalizations(t *testing.T) {
	t.Parallel()
	msgs := awkwardMessages()
	if n := bytes.Count(msgs["7bit"], []byte("Content-Transfer-Encoding: 7bit\r\n")); n != 2 {
		t.Fatalf("the 7bit message has %d 7bit parts, want 2", n)
	}
	for _, c := range canonicalizations {
		d, err := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "s", PrivateKey: rsaKey(t), Canonicalization: c}})
		if err != nil {
			t.Fatal(err)
		}
		d.now = func() time.Time { return time.Unix(1700000000, 0) }
		dns := dnsTXT{}
		dns.add(t, "s", "example.org", rsaKey(t).Public())
		for name, msg := range msgs {
			orig := bytes.Clone(msg)
			sig, err := d.AppendSignature([]byte("kept"), msg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(msg, orig) {
				t.Fatalf("%s, %s: AppendSignature changed the message", c, name)
			}
			if !bytes.HasPrefix(sig, []byte("kept")) || !bytes.Contains(sig, []byte("c="+c+";")) {
				t.Fatalf("%s, %s: signature %q", c, name, sig)
			}
			signed := append(bytes.Clone(sig[4:]), msg...)
			if got := verify(t, dns, signed); len(got) != 1 {
				t.Errorf("%s, %s: not verified", c, name)
			}
			// Sign is AppendSignature followed by the message.
			if whole, err := d.Sign(msg); err != nil || !bytes.Equal(whole, signed) {
				t.Errorf("%s, %s: Sign differs from AppendSignature + message (%v)", c, name, err)
			}
			// A changed body or From fails, in every canonicalization.
			for _, bad := range [][]byte{append(bytes.Clone(signed), 'x'),
				bytes.Replace(signed, []byte("From: "), []byte("From: x"), 1)} {
				vs, _ := dkim.VerifyWithOptions(bytes.NewReader(bad), &dkim.VerifyOptions{LookupTXT: dns.lookup})
				if len(vs) != 1 || vs[0].Err == nil {
					t.Errorf("%s, %s: a changed message verified", c, name)
				}
			}
		}
	}
	if _, err := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "s", PrivateKey: rsaKey(t), Canonicalization: "relaxed"}}); err == nil ||
		!strings.Contains(err.Error(), "canonicalization") {
		t.Errorf("bad canonicalization: err = %v", err)
	}
}

// TestAppendSignatureAllocations: signing a composed message allocates
// only a few small objects (the signature, the From domain), never a copy
// of the message or of its body.
func TestAppendSignatureAllocations(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	d, err := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "s", PrivateKey: key}})
	if err != nil {
		t.Fatal(err)
	}
	msg := body20K()
	dst := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := d.AppendSignature(dst[:0], msg); err != nil {
			t.Fatal(err)
		}
	})
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	for range 20 {
		d.AppendSignature(dst[:0], msg)
	}
	runtime.ReadMemStats(&ms1)
	perSign := (ms1.TotalAlloc - ms0.TotalAlloc) / 20
	t.Logf("%.0f allocations, %d bytes per signature of a %d-byte message", allocs, perSign, len(msg))
	// Well below the message's size: a pooled scratch space dropped by the
	// pool (the race detector drops some on purpose) costs a few KB.
	if perSign > uint64(len(msg))/2 {
		t.Errorf("%.0f allocations, %d bytes per signature of a %d-byte message: the message is copied", allocs, perSign, len(msg))
	}
}

// TestDKIMRemembersFromPerValue signs messages From several domains in
// turn, more distinct From values than are remembered, and checks each is
// composed with its own From and signed with its own domain's key.
func TestDKIMRemembersFromPerValue(t *testing.T) {
	t.Parallel()
	keyA := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, ed25519.SeedSize))
	keyB := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, ed25519.SeedSize))
	d, err := NewDKIM([]DKIMKey{{Domain: "a.example", Selector: "s", PrivateKey: keyA},
		{Domain: "b.example", Selector: "s", PrivateKey: keyB}})
	if err != nil {
		t.Fatal(err)
	}
	dns := dnsTXT{}
	dns.add(t, "s", "a.example", keyA.Public())
	dns.add(t, "s", "b.example", keyB.Public())
	for i := range 2*memoSize + 10 {
		dom := []string{"a.example", "b.example"}[i%2]
		from := fmt.Sprintf("Afzender %d <n@%s>", i%(memoSize+7), dom)
		msg := Compose(Header{From: from, To: "jan@example.net", Subject: "x"}, "", "hoi\n")
		if want := `From: "Afzender ` + strconv.Itoa(i%(memoSize+7)) + `" <n@` + dom + ">\r\n"; !bytes.HasPrefix(msg, []byte(want)) {
			t.Fatalf("message %d starts %q, want %q", i, msg[:60], want)
		}
		signed, err := d.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(signed, []byte("d="+dom+";")) {
			t.Fatalf("message %d From %s signed as:\n%s", i, dom, signed[:200])
		}
		if i%50 == 0 {
			if n := len(verify(t, dns, signed)); n != 1 {
				t.Fatalf("message %d: %d valid signatures", i, n)
			}
		}
	}
}

// fixedRSA is an RSA crypto.Signer that returns a fixed signature at once:
// BenchmarkSignWithoutRSA measures everything signing does but the RSA
// operation (canonicalization, hashing, the DKIM-Signature field).
type fixedRSA struct{ pub *rsa.PublicKey }

func (f fixedRSA) Public() crypto.PublicKey { return f.pub }
func (f fixedRSA) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return make([]byte, f.pub.Size()), nil
}

// BenchmarkSignWithoutRSA is AppendSignature of a composed ~20 KB message
// with the RSA operation left out: the cost DKIM adds on top of it.
func BenchmarkSignWithoutRSA(b *testing.B) {
	msg := body20K()
	d, err := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "s", PrivateKey: fixedRSA{&rsaKey(b).PublicKey}}})
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, 0, 4096)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := d.AppendSignature(dst[:0], msg); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDKIMIndependentVerifierOverSMTP signs awkwardMessages in every
// canonicalization with RSA-2048 and Ed25519, sends them through the relay
// to a loopback SMTP server, and verifies what arrives with dkimpy, which
// shares no code with this package; Python's email parser finds no defect
// in the messages Compose and ComposeMixed make. One body byte changed
// fails both signatures.
func TestDKIMIndependentVerifierOverSMTP(t *testing.T) {
	t.Parallel()
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	txt := map[string]string{}
	txt["s._domainkey.example.org"], _ = DKIMRecord(rsaKey(t).Public())
	txt["e._domainkey.example.org"], _ = DKIMRecord(edKey.Public())
	s := startServer(t, serverOptions{})
	tr := relayFor(t, s, RelayConfig{})
	msgs := awkwardMessages()
	names := slices.Sorted(maps.Keys(msgs))
	var batch []Envelope
	var labels []string
	for _, c := range canonicalizations {
		d, err := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "s", PrivateKey: rsaKey(t), Canonicalization: c},
			{Domain: "example.org", Selector: "e", PrivateKey: edKey, Canonicalization: c}})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			sig, err := d.AppendSignature(nil, msgs[name])
			if err != nil {
				t.Fatal(err)
			}
			batch = append(batch, Envelope{ID: fmt.Sprint(len(batch)), From: "b@bounce.example.org", To: "u@example.net",
				Signature: sig, Data: msgs[name]})
			labels = append(labels, name+" ("+c+")")
		}
	}
	for i, r := range tr.Send(t.Context(), "example.net", batch) {
		if r.Outcome() != Sent {
			t.Fatalf("%s: %v", labels[i], r)
		}
	}
	got := s.messages()
	if len(got) != len(batch) {
		t.Fatalf("the server got %d messages, want %d", len(got), len(batch))
	}
	arrived := make([][]byte, len(got))
	for i, m := range got {
		arrived[i] = m.data
	}
	composed := map[string]bool{"multipart": true, "7bit": true, "html only": true, "attachment": true}
	for i, r := range testenv.DKIMPy(t, txt, arrived) {
		if len(r.Sigs) != 2 {
			t.Errorf("%s: %d signatures, want 2", labels[i], len(r.Sigs))
		}
		for _, sig := range r.Sigs {
			if !sig.OK {
				t.Errorf("%s: the %s signature does not verify with dkimpy: %s", labels[i], sig.Algorithm, sig.Error)
			}
		}
		if composed[strings.Split(labels[i], " (")[0]] && len(r.Defects) > 0 {
			t.Errorf("%s: Python's email parser finds defects: %q", labels[i], r.Defects)
		}
	}
	bad := bytes.Clone(arrived[0])
	at := bytes.LastIndex(bad, []byte("Beste"))
	if at < 0 {
		t.Fatalf("%s: no text to change", labels[0])
	}
	bad[at] = 'b'
	for _, sig := range testenv.DKIMPy(t, txt, [][]byte{bad})[0].Sigs {
		if sig.OK {
			t.Errorf("%s with one body byte changed: the %s signature still verifies", labels[0], sig.Algorithm)
		}
	}
}

// TestDKIMInternationalDomain: a key for an internationalised domain,
// configured in either spelling, signs mail from that domain whether its
// From field has the domain in U-labels or in A-labels (as Compose writes
// it), with d= in A-labels (RFC 6376 §3.5).
func TestDKIMInternationalDomain(t *testing.T) {
	t.Parallel()
	for _, configured := range []string{"bücher.example", "xn--bcher-kva.example"} {
		d, err := NewDKIM([]DKIMKey{{Domain: configured, Selector: "s1", PrivateKey: rsaKey(t)}})
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range [][]byte{
			Compose(Header{From: "News <news@bücher.example>", To: "jan@example.org", Subject: "hi"}, "", "hi\n"),
			[]byte("From: news@bücher.example\r\n\r\nhi\r\n"),
		} {
			signed, err := d.Sign(msg)
			if err != nil {
				t.Errorf("key for %s: %v", configured, err)
				continue
			}
			if !bytes.Contains(signed, []byte("d=xn--bcher-kva.example;")) {
				t.Errorf("key for %s:\n%s", configured, signed[:200])
			}
		}
	}
}
