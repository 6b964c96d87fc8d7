package campaigns

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/rtoken"
)

// TestRecipientsGetTheirOwnLinks builds the benchmark campaign's message,
// click- and open-tracked, for two recipients one after the other in the
// same reused buffer (as a send worker does) and checks each message
// carries only its own recipient: merge fields, every tracked link (one
// click token signed per message, each link with its own target), the open
// pixel, the footer links and the header tokens.
func TestRecipientsGetTheirOwnLinks(t *testing.T) {
	t.Parallel()
	s, rt := buildFixture(t, true)
	keys := s.opt.Keys
	var mb msgBuf
	links := regexp.MustCompile(`https://pb\.example\.org/([a-z])/([A-Za-z0-9_.-]+)(\?u=[^"\s]*)?`)
	targets := regexp.MustCompile(`href="(https://example\.org/artikel/\d+)"`)
	want := targets.FindAllStringSubmatch(body20K(), -1)
	if len(want) < 50 {
		t.Fatalf("the body has %d links, want many", len(want))
	}
	for _, id := range []int64{101, 202, 101} {
		r := recipient{ID: id, Email: fmt.Sprintf("r%d@d1.example.net", id), Name: fmt.Sprintf("Lezer %d", id),
			Attributes: map[string]any{"city": fmt.Sprintf("Stad%d", id)}}
		env, err := s.build(context.Background(), rt, r, "", nil, &mb)
		if err != nil {
			t.Fatal(err)
		}
		if !env.DotFree || bytes.HasPrefix(env.Data, []byte(".")) || bytes.Contains(env.Data, []byte("\n.")) {
			t.Errorf("contact %d: DotFree %v, but a line starting with a dot must be absent and reported", id, env.DotFree)
		}
		if cl, err := keys.ParseAddress(env.From); err != nil || cl.ContactID != id || cl.Purpose != rtoken.Bounce {
			t.Errorf("contact %d: MAIL FROM %q: %+v %v", id, env.From, cl, err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(env.Data))
		if err != nil {
			t.Fatal(err)
		}
		if mc, err := keys.ParseMessageID(m.Header.Get("Message-ID")); err != nil || mc.ContactID != id {
			t.Errorf("contact %d: Message-ID names %+v (%v)", id, mc, err)
		}
		if cl, err := keys.Parse(m.Header.Get("X-Postbode-Ref"), rtoken.Bounce); err != nil || cl.ContactID != id {
			t.Errorf("contact %d: X-Postbode-Ref names %+v (%v)", id, cl, err)
		}
		if subj := m.Header.Get("Subject"); subj != fmt.Sprintf("Nieuws voor Lezer %d", id) {
			t.Errorf("contact %d: Subject %q", id, subj)
		}
		html, text := parts(t, m)
		for part, body := range map[string]string{"html": html, "text": text} {
			if !strings.Contains(body, fmt.Sprintf("Lezer %d", id)) || !strings.Contains(body, fmt.Sprintf("Stad%d", id)) {
				t.Errorf("contact %d: %s part lacks its merge fields", id, part)
			}
			other := map[int64]int64{101: 202, 202: 101}[id]
			if strings.Contains(body, fmt.Sprintf("Lezer %d", other)) || strings.Contains(body, fmt.Sprintf("Stad%d", other)) {
				t.Errorf("contact %d: %s part holds contact %d's merge fields", id, part, other)
			}
		}
		seen := map[rtoken.Purpose]int{}
		var clicked []string
		for _, l := range links.FindAllStringSubmatch(html+text, -1) {
			p := rtoken.Purpose(l[1][0])
			cl, err := keys.Parse(l[2], p)
			if err != nil || cl.ContactID != id || cl.CampaignID != rt.c.ID {
				t.Fatalf("contact %d: link %s names %+v (%v)", id, l[0], cl, err)
			}
			seen[p]++
			if p == rtoken.Click {
				u, err := url.QueryUnescape(strings.TrimPrefix(l[3], "?u="))
				if err != nil {
					t.Fatal(err)
				}
				clicked = append(clicked, u)
			}
		}
		for _, p := range []rtoken.Purpose{rtoken.Unsubscribe, rtoken.Update, rtoken.Privacy, rtoken.View, rtoken.Open} {
			if seen[p] == 0 {
				t.Errorf("contact %d: no %c link", id, p)
			}
		}
		if len(clicked) != len(want) {
			t.Fatalf("contact %d: %d tracked links, want %d", id, len(clicked), len(want))
		}
		for i, w := range want {
			if clicked[i] != w[1] {
				t.Errorf("contact %d: tracked link %d goes to %q, want %q", id, i, clicked[i], w[1])
			}
		}
	}
}

// parts returns the decoded HTML and text parts of a multipart/alternative message.
func parts(t *testing.T, m *mail.Message) (html, text string) {
	t.Helper()
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return html, text
		}
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = p
		if p.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
			r = quotedprintable.NewReader(p)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			html = string(b)
		} else {
			text = string(b)
		}
	}
}
