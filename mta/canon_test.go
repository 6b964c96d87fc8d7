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

// relaxedFieldByByte is appendRelaxedField one byte at a time, as the RFC
// states it: the reference for the version that copies runs.
func relaxedFieldByByte(dst, f []byte) []byte {
	c := bytes.IndexByte(f, ':')
	if c < 0 {
		return dst
	}
	dst = append(dst, bytes.ToLower(bytes.TrimRight(f[:c], " \t"))...)
	dst = append(dst, ':')
	wsp, started := false, false
	for _, ch := range f[c+1:] {
		switch ch {
		case '\r', '\n':
			continue
		case ' ', '\t':
			wsp = true
			continue
		}
		if wsp && started {
			dst = append(dst, ' ')
		}
		wsp, started = false, true
		dst = append(dst, ch)
	}
	return append(dst, '\r', '\n')
}

func TestAppendRelaxedFieldRuns(t *testing.T) {
	pieces := []string{"a", "Word", " ", "  ", "\t", "\r\n ", "\r\n\t", "\r", "\n", ":", "é", "<x@y>", `"q"`}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		var sb strings.Builder
		sb.WriteString([]string{"Subject", "TO ", "x-A\t", ""}[r.IntN(4)])
		sb.WriteString(":")
		for n := r.IntN(20); n > 0; n-- {
			sb.WriteString(pieces[r.IntN(len(pieces))])
		}
		f := []byte(sb.String() + "\r\n")
		if got, want := appendRelaxedField(nil, f), relaxedFieldByByte(nil, f); !bytes.Equal(got, want) {
			t.Fatalf("field %q: got %q, want %q", f, got, want)
		}
	}
}

// BenchmarkRelaxedFields canonicalizes the signed header fields of a
// composed message, copying runs (appendRelaxedField) and byte by byte
// (the reference).
func BenchmarkRelaxedFields(b *testing.B) {
	msg := body20K()
	hdrEnd, _ := splitMessage(msg)
	fields := appendFields(nil, msg[:hdrEnd])
	dst := make([]byte, 0, 4096)
	for _, c := range []struct {
		name string
		f    func(dst, f []byte) []byte
	}{{"runs", appendRelaxedField}, {"bytes", relaxedFieldByByte}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				dst = dst[:0]
				for _, f := range fields {
					dst = c.f(dst, msg[f.start:f.end])
				}
			}
		})
	}
}
