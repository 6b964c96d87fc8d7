package mta

import (
	"bytes"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

func TestComposeStructure(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("lang woord ", 200) + "tab\tend \n" + strings.Repeat("x", 2000) + "\n= ünïcødé\r\n.dot"
	h := Header{From: "Stichting Ünïcode <nieuws@example.org>", To: "Jan \"de\" Vries <jan@example.net>",
		ReplyTo: "info@example.org", Subject: "Nieuws: €100 voor " + strings.Repeat("iedereen ", 20) + "\r\nBcc: x@evil.example",
		Date: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), MessageID: "m1@example.org",
		ListUnsubscribe: []string{"https://example.org/u/tok", "<mailto:u+tok@bounce.example.org>"}, OneClick: true,
		ListID: "Nieuwsbrief <nieuws.example.org>", FeedbackID: "42:nieuws:postbode",
		Extra: [][2]string{{"X-Campaign", "42"}, {"Bad Name", "dropped"}, {"X-Evil", "a\r\nBcc: b@example.com"}}}
	msg := Compose(h, "<p>"+long+"</p>", long)
	for i, line := range bytes.Split(msg, []byte("\r\n")) {
		if len(line) > 998 {
			t.Fatalf("line %d is %d octets", i, len(line))
		}
		if bytes.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF", i)
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subj, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil || !strings.HasPrefix(subj, "Nieuws: €100 voor iedereen") || !strings.HasSuffix(subj, "Bcc: x@evil.example") {
		t.Errorf("subject %q %v", subj, err)
	}
	if m.Header.Get("Bcc") != "" {
		t.Error("header injection produced a Bcc field")
	}
	from, err := mail.ParseAddress(m.Header.Get("From"))
	if err != nil || from.Name != "Stichting Ünïcode" || from.Address != "nieuws@example.org" {
		t.Errorf("From %q: %v %v", m.Header.Get("From"), from, err)
	}
	to, _ := mail.ParseAddress(m.Header.Get("To"))
	if to == nil || to.Name != "Jan de Vries" {
		t.Errorf("To %q", m.Header.Get("To"))
	}
	for k, want := range map[string]string{
		"Message-Id":            "<m1@example.org>",
		"List-Unsubscribe":      "<https://example.org/u/tok>, <mailto:u+tok@bounce.example.org>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"List-Id":               "Nieuwsbrief <nieuws.example.org>",
		"Feedback-Id":           "42:nieuws:postbode",
		"Mime-Version":          "1.0",
		"Date":                  "Mon, 23 Nov 2026 10:00:00 +0000",
		"X-Campaign":            "42",
		"X-Evil":                "a  Bcc: b@example.com",
	} {
		if got := m.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if m.Header.Get("Bad Name") != "" {
		t.Error("invalid field name kept")
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q", m.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	wantLong := strings.ReplaceAll(strings.ReplaceAll(long, "\r\n", "\n"), "\n", "\r\n")
	for i, want := range []struct{ typ, body string }{{"text/plain", wantLong}, {"text/html", "<p>" + wantLong + "</p>"}} {
		p, err := mr.NextRawPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		if !strings.HasPrefix(p.Header.Get("Content-Type"), want.typ+"; charset=utf-8") || p.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
			t.Errorf("part %d header %v", i, p.Header)
		}
		got, err := io.ReadAll(quotedprintable.NewReader(p))
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		if string(got) != want.body {
			t.Errorf("part %d round trip differs:\n got %q\nwant %q", i, got[:min(len(got), 200)], want.body[:200])
		}
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Errorf("more parts: %v", err)
	}
}

func TestComposeSinglePartAndDefaults(t *testing.T) {
	t.Parallel()
	msg := Compose(Header{From: "a@example.org", To: "b@example.net", Subject: "Hi"}, "", "just text\n")
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("content type %q", m.Header.Get("Content-Type"))
	}
	if id := m.Header.Get("Message-Id"); !strings.HasSuffix(id, "@example.org>") {
		t.Errorf("generated Message-ID %q", id)
	}
	if _, err := m.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if m.Header.Get("List-Unsubscribe-Post") != "" {
		t.Error("one-click header without List-Unsubscribe")
	}
}

// A list name with specials is a quoted phrase in List-Id, so what a mail
// client reads as the list's id stays the one postbode sent (RFC 2919 §3).
func TestListIDPhraseIsQuoted(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		`Evil <a@b.c>, "q" (c`: `"Evil <a@b.c>, \"q\" (c" <dbl.example.org>`,
		`Back\slash b.v.`:      `"Back\\slash b.v." <dbl.example.org>`,
		`Nieuwsbrief`:          `Nieuwsbrief <dbl.example.org>`,
	} {
		msg := Compose(Header{From: "a@example.org", To: "b@example.org", Subject: "s", ListID: name + " <dbl.example.org>"}, "<p>x</p>", "x")
		m, err := mail.ReadMessage(bytes.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		got := m.Header.Get("List-Id")
		if got != want {
			t.Errorf("List-Id for %q = %q, want %q", name, got, want)
		}
		if a, err := mail.ParseAddress(got); err == nil && a.Address != "" && a.Address != "dbl.example.org" {
			t.Errorf("List-Id %q reads as id %q", got, a.Address)
		}
	}
}

func BenchmarkCompose(b *testing.B) {
	msg := body20K()
	m, _ := mail.ReadMessage(bytes.NewReader(msg))
	_ = m
	var sb strings.Builder
	for sb.Len() < 9500 {
		sb.WriteString("Dit is een alinea met wat tekst over het werk van de stichting — met één of twee accenten.\n\n")
	}
	text := sb.String()
	html := "<p>" + strings.ReplaceAll(text, "\n\n", "</p>\n<p>") + "</p>"
	h := Header{From: "Stichting <nieuws@example.org>", To: "Jan <jan@example.net>", Subject: "Nieuws — november",
		ListUnsubscribe: []string{"https://example.org/u/x", "mailto:u@example.org"}, OneClick: true, ListID: "N <n.example.org>"}
	b.SetBytes(int64(len(text) + len(html)))
	for b.Loop() {
		Compose(h, html, text)
	}
}

func TestAddressDomain(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"jan@Example.NET": "example.net", "Jan <jan@example.net>": "example.net", "nobody": "localhost", "a@": "localhost"} {
		if got := AddressDomain(in); got != want {
			t.Errorf("AddressDomain(%q) = %q, want %q", in, got, want)
		}
	}
	// A bare address is not parsed: the domain is the one parsing gives.
	parsed := func(s string) string {
		if a, err := mail.ParseAddress(s); err == nil {
			s = a.Address
		}
		i := strings.LastIndexByte(s, '@')
		if i < 0 || i == len(s)-1 {
			return "localhost"
		}
		return strings.ToLower(strings.Trim(s[i+1:], "> "))
	}
	alphabet := "aZ9.@@-_+!#$%&'*/=?^`{|}~ <>\"(),:;[]\\é"
	rng := rand.New(rand.NewPCG(5, 6))
	for range 200000 {
		b := make([]byte, 1+rng.IntN(12))
		for k := range b {
			b[k] = alphabet[rng.IntN(len(alphabet))]
		}
		if got, want := AddressDomain(string(b)), parsed(string(b)); got != want {
			t.Fatalf("AddressDomain(%q) = %q, parsing gives %q", b, got, want)
		}
	}
}

// BenchmarkQP encodes 20 KB of mostly ASCII HTML.
func BenchmarkQP(b *testing.B) {
	var sb strings.Builder
	for sb.Len() < 20000 {
		sb.WriteString(`<p style="margin:0 0 16px 0">Dit is een alinea met wat tekst over het werk van de stichting. Lees <a href="https://example.org/artikel?id=1">meer</a>.</p>` + "\n")
	}
	s := sb.String()
	buf := make([]byte, 0, len(s)*2)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = appendQP(buf[:0], s)
	}
}

// TestLiteral8 checks the word-at-a-time test of appendQP against the
// byte table: every byte value at every position, and random words mixing
// the edge values (where borrows and carries cross bytes).
func TestLiteral8(t *testing.T) {
	t.Parallel()
	want := func(b []byte) bool {
		for _, x := range b {
			if !qpLiteral[x] || x == '\t' {
				return false
			}
		}
		return true
	}
	for c := range 256 {
		for pos := range 8 {
			b := []byte("abcdefgh")
			b[pos] = byte(c)
			if got := literal8(load64(string(b), 0)); got != want(b) {
				t.Fatalf("%q: %v", b, got)
			}
		}
	}
	edge := []byte{0, 1, '\t', '\n', '\r', 0x1f, ' ', '!', '<', '=', '>', '~', 0x7f, 0x80, 0xc3, 0xfe, 0xff, 'a'}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var b [8]byte
		for k := range b {
			b[k] = edge[rng.IntN(len(edge))]
			if rng.IntN(3) > 0 {
				b[k] = 'a' + byte(rng.IntN(26))
			}
		}
		if got := literal8(load64(string(b[:]), 0)); got != want(b[:]) {
			t.Fatalf("%q: %v", b, got)
		}
	}
}

// TestComposeSevenBit: a part of printable ASCII in lines of at most 998
// octets goes as it is (7bit, line ends as CRLF, no quoted-printable);
// anything else (non-ASCII, a longer line, control characters, a lone CR,
// the multipart boundary) makes that part,
// and only that part, quoted-printable. Both decode to the input.
func TestComposeSevenBit(t *testing.T) {
	t.Parallel()
	ascii := "Beste Jan,\n\n.punt aan het begin\n.\n<a href=\"https://example.org/a?x=1&y=2\">=3D blijft</a>\ttab\r\nlaatste regel"
	h := Header{From: "a@example.org", To: "b@example.net", Subject: "s", MessageID: "m7@example.org"}
	boundary := boundaryFor("=_pb", "<m7@example.org>")
	for _, c := range []struct {
		name string
		part string
		want string // Content-Transfer-Encoding of the part holding it
	}{
		{"ascii", ascii, "7bit"},
		{"empty lines", "\n\n\nx\n\n", "7bit"},
		{"line of 998", strings.Repeat("x", 998) + "\ny", "7bit"},
		{"line of 999", strings.Repeat("x", 999) + "\ny", "quoted-printable"},
		{"last line of 999", "y\n" + strings.Repeat("x", 999), "quoted-printable"},
		{"non-ASCII", ascii + " één", "quoted-printable"},
		{"NUL", "a\x00b", "quoted-printable"},
		{"escape", "a\x1bb", "quoted-printable"},
		{"DEL", "a\x7fb", "quoted-printable"},
		{"lone CR", "a\rb\n", "quoted-printable"},
		{"trailing space", "a \n-- \nb", "7bit"},
		{"trailing tab", "a\nb\t", "7bit"},
		{"boundary", "x\n--" + boundary + "\ny", "quoted-printable"},
		{"boundary after CRLF", "x\r\n--" + boundary + "--\r\ny", "quoted-printable"},
		{"boundary first", "--" + boundary, "quoted-printable"},
		{"boundary inside a line", "x --" + boundary + "\n" + boundary + "\ny", "7bit"},
	} {
		other := "<p>other part</p>"
		msg := Compose(h, other, c.part)
		for i, line := range bytes.Split(msg, []byte("\r\n")) {
			if len(line) > 998 || bytes.ContainsAny(line, "\r\n") {
				t.Fatalf("%s: line %d: %d octets or a bare CR/LF", c.name, i, len(line))
			}
		}
		m, err := mail.ReadMessage(bytes.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
		mr := multipart.NewReader(m.Body, params["boundary"])
		want := strings.ReplaceAll(strings.ReplaceAll(c.part, "\r\n", "\n"), "\n", "\r\n")
		for i, p := range []struct{ body, cte string }{{want, c.want}, {other, "7bit"}} {
			part, err := mr.NextRawPart()
			if err != nil {
				t.Fatalf("%s: part %d: %v", c.name, i, err)
			}
			if got := part.Header.Get("Content-Transfer-Encoding"); got != p.cte {
				t.Errorf("%s: part %d is %s, want %s", c.name, i, got, p.cte)
			}
			var r io.Reader = part
			if p.cte == "quoted-printable" {
				r = quotedprintable.NewReader(part)
			}
			got, err := io.ReadAll(r)
			if err != nil || string(got) != p.body {
				t.Errorf("%s: part %d decodes to %q (%v), want %q", c.name, i, got[:min(len(got), 80)], err, p.body[:min(len(p.body), 80)])
			}
		}
		if _, err := mr.NextPart(); err != io.EOF {
			t.Errorf("%s: more parts: %v", c.name, err)
		}
	}
	// A single part (no boundary) decides alone as well.
	for part, want := range map[string]string{"hallo\n": "7bit", "hallo é\n": "quoted-printable"} {
		m, err := mail.ReadMessage(bytes.NewReader(Compose(h, "", part)))
		if err != nil || m.Header.Get("Content-Transfer-Encoding") != want {
			t.Errorf("text only %q: %v %q, want %s", part, err, m.Header.Get("Content-Transfer-Encoding"), want)
		}
	}
}

// TestPrintable8 checks the word-at-a-time test of appendSevenBit against
// a byte-wise one, as TestLiteral8 does for appendQP.
func TestPrintable8(t *testing.T) {
	t.Parallel()
	want := func(b []byte) bool {
		for _, x := range b {
			if x < 0x20 || x > 0x7e {
				return false
			}
		}
		return true
	}
	for c := range 256 {
		for pos := range 8 {
			b := []byte("abcdefgh")
			b[pos] = byte(c)
			if got := printable8(load64(string(b), 0)); got != want(b) {
				t.Fatalf("%q: %v", b, got)
			}
		}
	}
	edge := []byte{0, 1, '\t', '\n', '\r', 0x1f, ' ', '!', '=', '~', 0x7f, 0x80, 0x9f, 0xa0, 0xc3, 0xfe, 0xff, 'a'}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		var b [8]byte
		for k := range b {
			b[k] = edge[rng.IntN(len(edge))]
			if rng.IntN(3) > 0 {
				b[k] = 'a' + byte(rng.IntN(26))
			}
		}
		if got := printable8(load64(string(b[:]), 0)); got != want(b[:]) {
			t.Fatalf("%q: %v", b, got)
		}
	}
}

// TestSevenBitAgainstByteWise checks appendSevenBit against the rule of
// its comment applied byte by byte, on random text near the edges: bare
// CR and LF, CRLF, tabs, control and non-ASCII bytes at every offset of
// the 32- and 8-byte blocks, lines around 998 octets, dots, delimiter lines.
func TestSevenBitAgainstByteWise(t *testing.T) {
	t.Parallel()
	const boundary = "=_pbB"
	want := func(s string) (string, bool, bool) {
		var out []byte
		dot := false
		lines := strings.Split(s, "\n")
		for i, line := range lines {
			if i < len(lines)-1 { // a CR only right before an LF
				line = strings.TrimSuffix(line, "\r")
			}
			if len(line) > 998 || strings.HasPrefix(line, "--"+boundary) {
				return "", false, false
			}
			for k := 0; k < len(line); k++ {
				if (line[k] < 0x20 || line[k] > 0x7e) && line[k] != '\t' {
					return "", false, false
				}
			}
			dot = dot || strings.HasPrefix(line, ".")
			out = append(append(out, line...), "\r\n"...)
		}
		return string(out[:len(out)-2]), true, dot // no line end after the last line
	}
	pieces := []string{"\n", "\r\n", "\r", "\t", ".", "\x00", "\x1f", "\x7f", "\x80", "é", "~", " ", strings.Repeat("x", 31), strings.Repeat("y", 990), "--", "--=_pb", "--" + boundary, boundary}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 50000 {
		var sb strings.Builder
		for n := rng.IntN(12); n > 0; n-- {
			if rng.IntN(4) == 0 {
				sb.WriteString(pieces[rng.IntN(len(pieces))])
			} else {
				sb.WriteString("abcdefghijklmnopqrstuvwxyz0123456789<>\"= "[:1+rng.IntN(40)])
			}
		}
		s := sb.String()
		got, ok, dot := appendSevenBit([]byte("pre"), s, boundary)
		w, wok, wdot := want(s)
		if ok != wok || (ok && (string(got) != "pre"+w || dot != wdot)) {
			t.Fatalf("%q: got %q %v %v, want %q %v %v", s, got, ok, dot, w, wok, wdot)
		}
	}
}

// BenchmarkSevenBit copies 20 KB of ASCII HTML as a 7bit part (compare
// BenchmarkQP, the same text quoted-printable).
func BenchmarkSevenBit(b *testing.B) {
	var sb strings.Builder
	for sb.Len() < 20000 {
		sb.WriteString(`<p style="margin:0 0 16px 0">Dit is een alinea met wat tekst over het werk van de stichting. Lees <a href="https://example.org/artikel?id=1">meer</a>.</p>` + "\n")
	}
	s := sb.String()
	buf := make([]byte, 0, len(s)*2)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		var ok bool
		if buf, ok, _ = appendSevenBit(buf[:0], s, ""); !ok {
			b.Fatal("not 7bit")
		}
	}
}

// TestFormattedAddressesPassAsTheyAre: a To value formatAddress takes as
// it is (formatted) is exactly what parsing and formatting it gives, and
// values it must parse still are.
func TestFormattedAddressesPassAsTheyAre(t *testing.T) {
	parsed := func(s string) string { // formatAddress without the shortcut
		a, err := mail.ParseAddress(clean(s))
		if err != nil || (a.Name != "" && !isPlainASCII(a.Name)) {
			return "(not plain)"
		}
		return a.String()
	}
	names := []string{"Jan", "Lezer 12", "Jan de Vries", " Jan ", "O'Brien, Pat", "a  b", "x.y", "=?utf-8?q?J=C3=A9?=",
		`Jan "JJ" Jansen`, `back\slash`, "Zoë", "tab\there", "", strings.Repeat("w", 950)}
	addrs := []string{"jan@example.org", "r1@d1.example.net", "first.last+tag@sub.example.com", "a..b@example.org",
		".a@example.org", "a@example..org", "a b@example.org", "a@[127.0.0.1]", "#!$%&'*/=?^_`{|}~-@x.y", "jé@example.org"}
	for _, n := range names {
		for _, a := range addrs {
			s := (&mail.Address{Name: n, Address: a}).String()
			if formatted(s) {
				if got := parsed(s); got != s {
					t.Errorf("formatted(%q) but parsing and formatting gives %q", s, got)
				}
			}
		}
	}
	for _, s := range []string{`"Lezer 12" <r12@d2.example.net>`, `"Jan de Vries" <jan@example.org>`, `"O'Brien, Pat" <p@x.example>`} {
		if !formatted(s) {
			t.Errorf("formatted(%q) = false, want true", s)
		}
	}
	for _, s := range []string{`"" <a@example.org>`, `Jan <jan@example.org>`, `"Jan" <jan@example.org> `, `"Jan" <a..b@example.org>`,
		`"J\"an" <jan@example.org>`, `"Jan" <jan@exa_mple.org>`, `"Jan" <jan@example.org`, `"Jan" <@example.org>`, `"Zoë" <z@x.y>`} {
		if formatted(s) {
			t.Errorf("formatted(%q) = true, want false", s)
		}
	}
	// Random values over the bytes that matter, in the shape of a formatted one.
	rng := rand.New(rand.NewPCG(1, 2))
	const alpha = `"<>@. \a.-_é'=?` + "\t"
	word := func() string {
		b := make([]byte, rng.IntN(6))
		for i := range b {
			b[i] = alpha[rng.IntN(len(alpha))]
		}
		return string(b)
	}
	hits := 0
	for range 50000 {
		s := `"` + word() + `" <` + word() + "@" + word() + ">"
		if formatted(s) {
			hits++
			if parsed(s) != s {
				t.Errorf("formatted(%q) but parsing and formatting gives %q", s, parsed(s))
			}
		}
	}
	if hits == 0 {
		t.Error("no random value was formatted: the test tests nothing")
	}
}
