package mta

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/postbode/postbode/mta/internal/canonscan"
)

// writeRelaxedLines is writeRelaxedBody checking every line against the
// next tab and run of spaces in the body, without the vector scan.
func writeRelaxedLines(h io.Writer, body, scratch []byte) {
	c := bodyCanon{h: h, body: body, tab: -2, dsp: -2}
	c.run(scratch[:0])
}

// TestRelaxedBodyScanMatchesLines: the canonical body written with the
// runs of clean lines found by the vector scan in one piece equals the one
// written line by line, for bodies whose awkward bytes (tabs, runs of
// spaces, trailing whitespace, bare LFs, empty and blank lines, no final
// CRLF) sit anywhere: between long clean stretches, several of them, near
// the end.
func TestRelaxedBodyScanMatchesLines(t *testing.T) {
	clean := []string{"Beste lezer, dit is een regel tekst.\r\n", "<p>kort</p>\r\n", "\r\n", "x\r\n",
		strings.Repeat("lang woord ", 9) + "\r\n"}
	awkward := []string{"\t", "  ", " \r\n", "\t\r\n", " \n", "\n", "\r", " ", "\r\n\r\n", " \r\n \r\n", "é", "tail"}
	r := rand.New(rand.NewPCG(3, 4))
	var fast, slow bytes.Buffer
	scratch := make([]byte, 0, 1024)
	for i := range 20000 {
		var sb strings.Builder
		for n := r.IntN(40); n > 0; n-- {
			if r.IntN(6) == 0 {
				sb.WriteString(awkward[r.IntN(len(awkward))])
			} else {
				sb.WriteString(clean[r.IntN(len(clean))])
			}
		}
		if i%3 == 0 { // end on empty lines
			sb.WriteString(strings.Repeat("\r\n", r.IntN(4)))
		}
		body := []byte(sb.String())
		fast.Reset()
		slow.Reset()
		writeRelaxedBody(&fast, body, scratch)
		writeRelaxedLines(&slow, body, scratch)
		if !bytes.Equal(fast.Bytes(), slow.Bytes()) {
			t.Fatalf("body %q (clean start %d):\nscan  %q\nlines %q", body, canonscan.Clean(body), fast.Bytes(), slow.Bytes())
		}
	}
}

// FuzzRelaxedBodyScan is TestRelaxedBodyScanMatchesLines on any body.
func FuzzRelaxedBodyScan(f *testing.F) {
	f.Add([]byte(strings.Repeat("regel tekst\r\n", 6) + "\r\n\r\n \r\n"))
	f.Add([]byte(strings.Repeat("regel tekst\r\n", 6) + "a  b\tc\n"))
	scratch := make([]byte, 0, 1024)
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast, slow bytes.Buffer
		writeRelaxedBody(&fast, body, scratch)
		writeRelaxedLines(&slow, body, scratch)
		if !bytes.Equal(fast.Bytes(), slow.Bytes()) {
			t.Fatalf("body %q: scan %q, lines %q", body, fast.Bytes(), slow.Bytes())
		}
	})
}
