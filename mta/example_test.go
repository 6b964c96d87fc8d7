package mta_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/postbode/postbode/mta"
)

func ExampleCompose() {
	msg := mta.Compose(mta.Header{
		From:            "Stichting Voorbeeld <nieuws@example.org>",
		To:              "jan@example.net",
		Subject:         "Nieuwsbrief",
		MessageID:       "c1.d42@example.org",
		Date:            time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
		ListUnsubscribe: []string{"https://example.org/u/TOKEN", "mailto:unsub+TOKEN@bounce.example.org"},
		OneClick:        true,
	}, "", "Hallo Jan\n")
	fmt.Print(strings.ReplaceAll(string(msg), "\r\n", "\n")) // CRLF in the message
	// Output:
	// From: "Stichting Voorbeeld" <nieuws@example.org>
	// To: <jan@example.net>
	// Subject: Nieuwsbrief
	// Date: Mon, 23 Nov 2026 10:00:00 +0000
	// Message-ID: <c1.d42@example.org>
	// MIME-Version: 1.0
	// List-Unsubscribe: <https://example.org/u/TOKEN>,
	//  <mailto:unsub+TOKEN@bounce.example.org>
	// List-Unsubscribe-Post: List-Unsubscribe=One-Click
	// Content-Type: text/plain; charset=utf-8
	// Content-Transfer-Encoding: 7bit
	//
	// Hallo Jan
}

func ExampleDKIM() {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := mta.NewDKIM([]mta.DKIMKey{{Domain: "example.org", Selector: "pb2026", PrivateKey: key}})
	if err != nil {
		panic(err)
	}
	fmt.Println(signer.HasDomain("example.org"), signer.HasDomain("example.com"))
	signed, err := signer.Sign([]byte("From: nieuws@example.org\r\nSubject: hi\r\n\r\nHallo\r\n"))
	fmt.Println(err, len(signed) > 0)
	// Output:
	// true false
	// <nil> true
}

func ExampleNewCapture() {
	dir, _ := os.MkdirTemp("", "outbox")
	defer os.RemoveAll(dir)
	tr, _ := mta.NewCapture(dir, nil)
	defer tr.Close()
	rs := tr.Send(context.Background(), "example.net", []mta.Envelope{{ID: "d1", From: "bounce@example.org", To: "jan@example.net",
		Data: mta.Compose(mta.Header{From: "nieuws@example.org", To: "jan@example.net", Subject: "Hi"}, "", "Hallo\n")}})
	fmt.Println(rs[0].Outcome())
	// Output: sent
}
