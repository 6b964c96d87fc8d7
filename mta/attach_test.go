package mta

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
)

func TestComposeMixed(t *testing.T) {
	pdf := bytes.Repeat([]byte("%PDF-1.3 binary \x00\xff"), 200)
	for _, tc := range []struct {
		name, html, text string
	}{
		{"alternative", "<p>Hallo Zoë</p>", "Hallo Zoë"},
		{"text only", "", "Hallo Zoë"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := ComposeMixed(Header{From: "Org <noreply@example.org>", To: "zoe@example.net", Subject: "Uw gegevens"},
				tc.html, tc.text, []Attachment{{Name: "export.json", ContentType: "application/json", Data: []byte(`{"a":"ë"}`)},
					{Name: "export ü.pdf", ContentType: "application/pdf", Data: pdf}})
			for _, l := range strings.Split(string(raw), "\r\n") {
				if len(l) > 998 {
					t.Fatalf("line of %d octets", len(l))
				}
			}
			m, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if m.Header.Get("Subject") == "" || m.Header.Get("Message-Id") == "" {
				t.Errorf("top-level header lost: %v", m.Header)
			}
			mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
			if err != nil || mt != "multipart/mixed" {
				t.Fatalf("Content-Type %q, %v", m.Header.Get("Content-Type"), err)
			}
			mr := multipart.NewReader(m.Body, params["boundary"])
			var names []string
			var files [][]byte
			first := true
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				data, _ := io.ReadAll(p)
				if first {
					first = false
					if !strings.Contains(string(data), "Hallo") {
						t.Errorf("first part is not the body: %q", data)
					}
					continue
				}
				if p.Header.Get("Content-Transfer-Encoding") != "base64" {
					t.Fatalf("attachment encoding %q", p.Header.Get("Content-Transfer-Encoding"))
				}
				dec, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(data), "\r\n", ""))
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, p.FileName())
				files = append(files, dec)
			}
			if len(names) != 2 || names[0] != "export.json" || names[1] != "export ü.pdf" {
				t.Fatalf("attachments %q", names)
			}
			if string(files[0]) != `{"a":"ë"}` || !bytes.Equal(files[1], pdf) {
				t.Errorf("attachment content changed")
			}
		})
	}
}
