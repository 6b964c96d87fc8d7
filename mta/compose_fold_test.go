package mta

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"testing"
)

// Lines holding RFC 2047 encoded-words are at most 76 columns (each word at
// most 75), other header lines at most 78 (List-Unsubscribe folds between
// its URIs; only a single URI longer than that keeps its line); the values
// decode to what was given.
func TestComposeFoldsEncodedWords(t *testing.T) {
	t.Parallel()
	subjects := []string{"Één", "Nieuws: €100 voor iedereen in Zuid-Holland — lees het meteen, échte aanbieding",
		strings.Repeat("ü", 200), "Plain start then ünïcødé " + strings.Repeat("ab ", 40)}
	names := []string{"Jöhn", "Stichting Vrienden van het Ünïcode-museum in ’s-Hertogenbosch en omstreken", strings.Repeat("名", 60)}
	for _, subj := range subjects {
		for _, name := range names {
			h := Header{From: name + " <nieuws@example.org>", To: name + " <jan.jansen@example.net>", Subject: subj,
				ListUnsubscribe: []string{"https://mail.example.org/u/AQF1KgeH7pH2CQAAwJrmHAA.q8bUhdu1NPEDtuUFyGxK2w",
					"mailto:uaeaxkkqhp5dqbaaaycnu4oaakxsz2je62jahpxyu4s3qnktz5ay@bounces.example.org"},
				OneClick: true, ListID: name + " <nieuws.example.org>"}
			msg := Compose(h, "<p>x</p>", "x")
			head, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
			for _, line := range strings.Split(string(head), "\r\n") {
				limit := 78
				if strings.Contains(line, "=?") {
					limit = 76
				}
				if len(line) > limit && len(strings.Fields(line)) > 1 { // one URI alone cannot fold
					t.Errorf("%d columns (limit %d): %q", len(line), limit, line)
				}
				for _, w := range strings.Fields(line) {
					if strings.HasPrefix(w, "=?") && len(w) > 75 {
						t.Errorf("encoded-word of %d characters: %q", len(w), w)
					}
				}
			}
			m, err := mail.ReadMessage(bytes.NewReader(msg))
			if err != nil {
				t.Fatal(err)
			}
			got, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			if err != nil || got != subj {
				t.Errorf("subject %q, want %q (%v)", got, subj, err)
			}
			for _, f := range []string{"From", "To"} {
				a, err := mail.ParseAddress(m.Header.Get(f))
				if err != nil || a.Name != name {
					t.Errorf("%s %q: %v %v", f, m.Header.Get(f), a, err)
				}
			}
			if lu := m.Header.Get("List-Unsubscribe"); !strings.Contains(lu, "<"+h.ListUnsubscribe[0]+">") || !strings.Contains(lu, "<"+h.ListUnsubscribe[1]+">") {
				t.Errorf("List-Unsubscribe %q", lu)
			}
		}
	}
}
