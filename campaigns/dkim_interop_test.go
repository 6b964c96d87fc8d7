package campaigns_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"maps"
	"mime"
	"net/mail"
	"net/textproto"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/mta"
)

// interopCase is one campaign's content for TestDKIMIndependentVerifier.
type interopCase struct {
	name, subject, fromName, replyTo, html, text string
}

// interopCases are the awkward shapes a campaign's mail takes: non-ASCII
// subjects and names (RFC 2047, folded over several lines), long folded
// ASCII headers, quoted-printable and 7bit parts, lines ending in spaces
// and tabs, lines far beyond 998 octets, a text part without a final line
// break, a text part generated from the HTML, dots and "From " at line
// starts (SMTP dot-stuffing) and a body of about 20 KB.
func interopCases() []interopCase {
	var big strings.Builder
	for big.Len() < 20<<10 {
		big.WriteString("Dit is een alinea over het werk van de stichting, projecten en vrijwilligers — één van vele. \t\n")
		big.WriteString(".Een punt vooraan en twee  spaties; gelijk = teken; https://example.org/artikel?id=123&x=é \n\n")
	}
	longWord := strings.Repeat("lang", 800)       // 3200 octets, no space to break at
	longUTF8 := strings.Repeat("ëlan café ", 300) // ~3300 octets
	return []interopCase{
		{name: "qp multipart",
			subject:  "Nieuwsbrief — één lange onderwerpregel over café’s, crème brûlée en €uro’s voor {{.Contact.Name}}, met nog meer woorden erachter 🎉",
			fromName: "Stichting Zoë & Ünal — Café Noord", replyTo: "redactie@example.org",
			html: "<p>Beste {{.Contact.Name}},   \t</p>\n<p>Crème brûlée = lekker; één regel met spaties aan het eind   </p>\t\n" +
				"<p>" + longUTF8 + "</p>\n<p>" + longWord + "</p>\n.\n<p>.punt</p>\nFrom the start\n",
			text: "Beste {{.Contact.Name}},  \t\n\nCrème brûlée = lekker;\tmet tab en spaties   \n" + longUTF8 + "\n" + longWord +
				"\n.\n..twee punten\nFrom the start\n\n\n"},
		{name: "7bit",
			subject:  "A long plain ASCII subject line that has to be folded over more than one line: March newsletter for {{.Contact.Name}} and friends",
			fromName: "Stichting De Brug, afd. Noord (test); info@ en meer",
			html:     "<p>Dear reader,  \t</p>\n<p>Two  spaces\tand a tab = equals.</p>  \n.\n..\n<p>\n.dot</p>\nFrom here\n",
			text:     "Dear reader,  \t\nTwo  spaces\tand a tab = equals.   \n.\n..dots\nFrom here\n \t\nno final line break"},
		{name: "generated text",
			subject:  "Ünïcödé ónly — ‘quotes’ “double” «guillemets» ½ ✓",
			fromName: "Ĳsselmeer Ωmega Ænima",
			html:     "<h1>Kop — één</h1>\n<p>Tekst met <b>vet</b> en <a href=\"https://example.org/x?a=1&b=2\">een link</a>.   </p>\n<p>" + longUTF8 + "</p>",
			text:     ""},
		{name: "long ASCII line",
			subject:  "Plain",
			fromName: "Plain Sender",
			html:     "<p>" + longWord + "</p>",
			text:     "Hello,\n" + longWord + "\nbye \t"},
		{name: "20 KB",
			subject:  "Groot bericht {{.Contact.Name}}",
			fromName: "Nieuws",
			html:     "<p>" + strings.ReplaceAll(big.String(), "\n\n", "</p>\n<p>") + "</p>",
			text:     big.String()},
	}
}

// TestDKIMIndependentVerifier sends campaigns of every awkward shape
// (interopCases) through the real send path — render, compose, DKIM-sign
// with RSA-2048 and Ed25519 (RFC 8463), deliver over SMTP to a loopback
// sink — From domains signing in each canonicalization (relaxed/relaxed is
// the default), and verifies every signature of every message with dkimpy,
// a verifier that shares no code with postbode. The List-Unsubscribe pair
// (RFC 8058) and From are signed; those and To, Cc, Reply-To and Subject
// once more than they occur (oversigned); a changed body byte or subject
// and an added From, To, Reply-To, Subject or List-Unsubscribe fail
// verification, as does a removed List-Unsubscribe-Post.
func TestDKIMIndependentVerifier(t *testing.T) {
	t.Parallel()
	canons := map[string]string{"rr.example.com": "relaxed/relaxed", "rs.example.com": "relaxed/simple",
		"sr.example.com": "simple/relaxed", "ss.example.com": "simple/simple"}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	txt := map[string]string{}
	var keys []mta.DKIMKey
	for dom, c := range canons {
		keys = append(keys, mta.DKIMKey{Domain: dom, Selector: "s1", PrivateKey: testKey(t), Canonicalization: c},
			mta.DKIMKey{Domain: dom, Selector: "e1", PrivateKey: edKey, Canonicalization: c})
		txt["s1._domainkey."+dom], _ = mta.DKIMRecord(testKey(t).Public())
		txt["e1._domainkey."+dom], _ = mta.DKIMRecord(edKey.Public())
	}
	signer, err := mta.NewDKIM(keys)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(o *campaigns.Options) { o.DKIM = signer })
	ctx := context.Background()

	var mu sync.Mutex
	var got [][]byte
	f.sink.onData = func(_ string, _ []string, data []byte) {
		mu.Lock()
		got = append(got, data)
		mu.Unlock()
	}
	list := f.list("interop")
	names := []string{"Zoë Ünal-Çelik", `Jan "JJ" de Vries, jr.`,
		"Maximiliaan-Ëvert van der Grootte-Langenaam tot Østergaard-Åkesson en Ñúñez-Øyen"}
	var ids []int64
	for i, n := range names {
		var id int64
		if err := f.db.QueryRow(ctx, `INSERT INTO contacts (email, name, source, updated_source)
			VALUES ($1, $2, 'import', 'import') RETURNING id`, email("interop", i), n).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, err := f.db.Exec(ctx, `INSERT INTO subscriptions (contact_id, list_id, status)
		SELECT unnest($1::bigint[]), $2, 'confirmed'`, ids, list); err != nil {
		t.Fatal(err)
	}

	// One campaign per case and From domain; label names each by id.
	label := map[int64]string{}
	var started []int64
	for _, dom := range slices.Sorted(maps.Keys(canons)) {
		for _, ic := range interopCases() {
			from := "news@" + dom
			c, err := f.svc.Create(ctx, campaigns.Input{Name: ptr(ic.name + " " + dom), Subject: ptr(ic.subject),
				HTML: ptr(ic.html), Text: ptr(ic.text), FromName: ptr(ic.fromName), FromEmail: &from,
				ReplyTo: ptr(ic.replyTo), ListIDs: &[]int64{list}}, "test")
			if err != nil {
				t.Fatalf("%s from %s: %v", ic.name, dom, err)
			}
			label[c.ID] = fmt.Sprintf("%s (%s, %s)", ic.name, dom, canons[dom])
			started = append(started, c.ID)
		}
	}
	f.runScheduler()
	f.runSender(f.svc)
	for _, id := range started {
		if _, err := f.svc.Start(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range started {
		f.waitStatus(id, campaigns.StateFinished, time.Minute)
	}
	mu.Lock()
	msgs := slices.Clone(got)
	mu.Unlock()
	if want := len(started) * len(names); len(msgs) != want {
		t.Fatalf("the sink got %d messages, want %d", len(msgs), want)
	}

	// Which campaign and domain each message is, from its own header.
	type meta struct {
		label, domain string
		hdr           mail.Header
	}
	metas := make([]meta, len(msgs))
	for i, m := range msgs {
		pm, err := mail.ReadMessage(bytes.NewReader(m))
		if err != nil {
			t.Fatalf("message %d does not parse: %v", i, err)
		}
		var cid int64
		fmt.Sscanf(pm.Header.Get("Feedback-ID"), "%d:", &cid)
		addr, err := mail.ParseAddress(pm.Header.Get("From"))
		if err != nil || label[cid] == "" {
			t.Fatalf("message %d: From %q (%v), Feedback-ID %q", i, pm.Header.Get("From"), err, pm.Header.Get("Feedback-ID"))
		}
		metas[i] = meta{label: label[cid], domain: mta.AddressDomain(addr.Address), hdr: pm.Header}
	}

	res := testenv.DKIMPy(t, txt, msgs)
	for i, r := range res {
		m, sigs := metas[i], r.Sigs
		if len(r.Defects) > 0 {
			t.Errorf("%s: Python's email parser finds defects: %q\n%s", m.label, r.Defects, headerOf(msgs[i]))
		}
		if p := wireProblem(msgs[i]); p != "" {
			t.Errorf("%s: %s", m.label, p)
		}
		if len(sigs) != 2 {
			t.Errorf("%s: %d signatures, want RSA and Ed25519: %+v", m.label, len(sigs), sigs)
			continue
		}
		algos := []string{}
		for _, s := range sigs {
			algos = append(algos, s.Algorithm)
			if !s.OK {
				t.Errorf("%s: the %s signature does not verify with dkimpy: %s\n%s", m.label, s.Algorithm, s.Error, headerOf(msgs[i]))
			}
			if s.Domain != m.domain || s.Canon != canons[m.domain] {
				t.Errorf("%s: signature d=%s c=%s, want d=%s c=%s", m.label, s.Domain, s.Canon, m.domain, canons[m.domain])
			}
			count := map[string]int{}
			for _, h := range s.Headers {
				count[h]++
			}
			for _, h := range []string{"from", "to", "subject", "date", "message-id", "mime-version", "content-type",
				"list-unsubscribe", "list-unsubscribe-post", "list-id", "feedback-id"} {
				if count[h] == 0 {
					t.Errorf("%s: %s is not signed (h=%s)", m.label, h, strings.Join(s.Headers, ":"))
				}
			}
			for _, h := range []string{"from", "to", "cc", "reply-to", "subject", "list-unsubscribe", "list-unsubscribe-post"} {
				if n := len(m.hdr[textproto.CanonicalMIMEHeaderKey(h)]); count[h] != n+1 {
					t.Errorf("%s: %s occurs %d times, signed %d times, want once more (h=%s)", m.label, h, n, count[h], strings.Join(s.Headers, ":"))
				}
			}
		}
		if slices.Sort(algos); !slices.Equal(algos, []string{"ed25519-sha256", "rsa-sha256"}) {
			t.Errorf("%s: algorithms %v", m.label, algos)
		}
	}
	// The cases came through as written: decoded subjects and From names.
	for _, m := range metas {
		subj, err := new(mime.WordDecoder).DecodeHeader(m.hdr.Get("Subject"))
		from, ferr := new(mail.AddressParser).Parse(m.hdr.Get("From"))
		if err != nil || ferr != nil {
			t.Errorf("%s: Subject %q (%v), From %q (%v)", m.label, m.hdr.Get("Subject"), err, m.hdr.Get("From"), ferr)
			continue
		}
		ok := false
		for _, ic := range interopCases() {
			if strings.HasPrefix(m.label, ic.name+" (") {
				ok = from.Name == ic.fromName && strings.HasPrefix(subj, ic.subject[:min(len(ic.subject), strings.Index(ic.subject+"{{", "{{"))])
			}
		}
		if !ok {
			t.Errorf("%s: Subject decodes to %q, From name to %q", m.label, subj, from.Name)
		}
	}

	// Changed messages fail with the same verifier: one body byte, the
	// subject, a From, To, Reply-To, Subject or List-Unsubscribe added on
	// top (oversigned, Reply-To though this message has none).
	var pick []byte
	for i, m := range metas {
		if strings.HasPrefix(m.label, "7bit (rr.") && strings.Contains(m.hdr.Get("To"), "Vries") { // an ASCII subject
			pick = msgs[i]
		}
	}
	bodyAt := bytes.Index(pick, []byte("\r\n\r\n")) + 4
	at := bodyAt + bytes.Index(pick[bodyAt:], []byte("Dear reader"))
	if at < bodyAt {
		t.Fatalf("no text to change in the body:\n%s", pick)
	}
	flipped := bytes.Clone(pick)
	flipped[at] = 'B' // "Bear reader"
	tampered := map[string][]byte{
		"one body byte":             flipped,
		"subject":                   bytes.Replace(pick, []byte("Subject: A long"), []byte("Subject: A lonG"), 1),
		"added From":                append([]byte("From: <ceo@rr.example.com>\r\n"), pick...),
		"added Reply-To":            append([]byte("Reply-To: <ceo@evil.example>\r\n"), pick...),
		"added To":                  append([]byte("To: <someone@example.net>\r\n"), pick...),
		"added List-Unsubscribe":    append([]byte("List-Unsubscribe: <https://evil.example/u>\r\n"), pick...),
		"added Subject":             append([]byte("Subject: Urgent\r\n"), pick...),
		"appended body line":        append(bytes.Clone(pick), "PS\r\n"...),
		"List-Unsubscribe-Post cut": bytes.Replace(pick, []byte("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"), nil, 1),
	}
	for name, m := range tampered {
		if bytes.Equal(m, pick) {
			t.Fatalf("%s: the message is unchanged", name)
		}
	}
	tnames := slices.Sorted(maps.Keys(tampered))
	var tmsgs [][]byte
	for _, n := range tnames {
		tmsgs = append(tmsgs, tampered[n])
	}
	for i, r := range testenv.DKIMPy(t, txt, tmsgs) {
		sigs := r.Sigs
		if len(sigs) != 2 {
			t.Errorf("%s: %d signatures", tnames[i], len(sigs))
		}
		for _, s := range sigs {
			if s.OK {
				t.Errorf("%s: the %s signature still verifies", tnames[i], s.Algorithm)
			}
		}
	}
}

// wireProblem checks what receiving MTAs enforce of a message as sent
// (RFC 5322): CRLF line ends only, no line over 998 octets, a header of
// ASCII only with exactly one From, To, Subject, Date, Message-ID and
// MIME-Version, a Date in RFC 5322 form and a Message-ID of the form
// <left@right>. It returns "" when none is wrong.
func wireProblem(msg []byte) string {
	hdrEnd := bytes.Index(msg, []byte("\r\n\r\n"))
	if hdrEnd < 0 {
		return "no empty line after the header"
	}
	for i, line := range bytes.Split(msg, []byte("\r\n")) {
		if len(line) > 998 {
			return fmt.Sprintf("line %d is %d octets (more than 998)", i+1, len(line))
		}
		if bytes.ContainsAny(line, "\r\n") {
			return fmt.Sprintf("line %d has a bare CR or LF", i+1)
		}
	}
	for i, c := range msg[:hdrEnd] {
		if c >= 0x80 || (c < 0x20 && c != '\t' && c != '\r' && c != '\n') {
			return fmt.Sprintf("header byte %d is %#x (header fields are ASCII)", i, c)
		}
	}
	pm, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		return err.Error()
	}
	for _, name := range []string{"From", "To", "Subject", "Date", "Message-Id", "Mime-Version"} {
		if n := len(pm.Header[name]); n != 1 {
			return fmt.Sprintf("%d %s fields, want 1", n, name)
		}
	}
	date := pm.Header.Get("Date")
	if d, err := mail.ParseDate(date); err != nil || d.Format(time.RFC1123Z) != date {
		return fmt.Sprintf("Date %q is not in RFC 5322 form (%v)", date, err)
	}
	if !msgIDForm.MatchString(pm.Header.Get("Message-Id")) {
		return fmt.Sprintf("Message-ID %q is not <left@right>", pm.Header.Get("Message-Id"))
	}
	if v := pm.Header.Get("Mime-Version"); v != "1.0" {
		return fmt.Sprintf("MIME-Version %q", v)
	}
	return ""
}

// msgIDForm is a Message-ID of dot-atom text on both sides (RFC 5322 §3.6.4).
var msgIDForm = regexp.MustCompile("^<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+>$")

// headerOf is msg's header, for failure messages.
func headerOf(msg []byte) []byte {
	if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
		return msg[:i]
	}
	return msg
}
