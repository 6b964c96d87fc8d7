package privacy_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/mta"
	"github.com/postbode/postbode/privacy"
)

// captureMailer is the app's mailer in small: messages composed with
// mta.ComposeMixed and delivered through the capture transport, which
// writes each as an .eml file the test reads back.
type captureMailer struct {
	dir string
	tr  mta.Transport
}

func newCaptureMailer(t testing.TB) *captureMailer {
	t.Helper()
	dir := t.TempDir()
	tr, err := mta.NewCapture(dir, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return &captureMailer{dir: dir, tr: tr}
}

func (m *captureMailer) Send(ctx context.Context, to, subject, html, text string) error {
	return m.SendAttachments(ctx, to, subject, html, text, nil)
}

func (m *captureMailer) SendAttachments(ctx context.Context, to, subject, html, text string, files []privacy.Attachment) error {
	att := make([]mta.Attachment, len(files))
	for i, f := range files {
		att[i] = mta.Attachment{Name: f.Name, ContentType: f.ContentType, Data: f.Data}
	}
	msg := mta.ComposeMixed(mta.Header{From: "Org <privacy@example.org>", To: to, Subject: subject}, html, text, att)
	res := m.tr.Send(ctx, mta.AddressDomain(to), []mta.Envelope{{From: "privacy@example.org", To: to, Data: msg}})
	if len(res) != 1 || res[0].Outcome() != mta.Sent {
		return fmt.Errorf("capture: %v", res)
	}
	return nil
}

// gotMail is a delivered message, decoded.
type gotMail struct {
	To, Subject, Text string
	Files             map[string][]byte
}

// mails reads every captured message, oldest first.
func (m *captureMailer) mails(t testing.TB) []gotMail {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(m.dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	type item struct {
		mod  int64
		name string
	}
	var items []item
	for _, n := range names {
		st, err := os.Stat(n)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, item{st.ModTime().UnixNano(), n})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].mod < items[j].mod })
	var out []gotMail
	for _, it := range items {
		raw, err := os.ReadFile(it.name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, parseMail(t, raw))
	}
	return out
}

func parseMail(t testing.TB, raw []byte) gotMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subj, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	g := gotMail{To: msg.Header.Get("To"), Subject: subj, Files: map[string][]byte{}}
	var walk func(ct string, body io.Reader, cte string)
	walk = func(ct string, body io.Reader, cte string) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("Content-Type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if fn := p.FileName(); fn != "" {
					data, _ := io.ReadAll(p)
					d, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(data)))
					if err != nil {
						t.Fatalf("attachment %s: %v", fn, err)
					}
					g.Files[fn] = d
					continue
				}
				walk(p.Header.Get("Content-Type"), p, "")
			}
		}
		if mt == "text/plain" {
			data, _ := io.ReadAll(body)
			if cte == "quoted-printable" {
				data, _ = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(data)))
			}
			g.Text += string(data)
		}
	}
	walk(msg.Header.Get("Content-Type"), msg.Body, strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")))
	return g
}
