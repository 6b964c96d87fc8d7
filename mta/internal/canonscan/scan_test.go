package canonscan

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// flagged is the rule of the package doc, byte by byte.
func flagged(b []byte, k int) bool {
	c := b[k]
	var next byte
	if k+1 < len(b) {
		next = b[k+1]
	}
	return c == '\t' || (c == ' ' && (next == ' ' || next == '\r' || next == '\n')) ||
		(next == '\n' && c != '\r') || (k == 0 && c == '\n')
}

// check fails unless Clean(b) stops at or before the first flagged
// position, and at it when the vector scan reached it.
func check(t *testing.T, b []byte) {
	t.Helper()
	n := Clean(b)
	if n < 0 || n > len(b) {
		t.Fatalf("Clean(%q) = %d", b, n)
	}
	for k := 0; k < n; k++ {
		if flagged(b, k) {
			t.Fatalf("Clean(%q) = %d, but position %d is flagged", b, n, k)
		}
	}
	if useAVX2 && len(b) >= 33 && b[0] != '\n' && n <= len(b)-33 && !flagged(b, n) {
		t.Fatalf("Clean(%q) = %d: stopped early at a clean position", b, n)
	}
}

func TestCleanFindsEachKindAtEachOffset(t *testing.T) {
	if !useAVX2 {
		t.Log("no vector scan on this CPU/build: Clean is always 0")
	}
	for _, bad := range []string{"\t", "  ", " \r\n", " \n", "x\n", " \r"} {
		for size := 33; size < 140; size++ {
			for p := 1; p+len(bad) <= size; p++ {
				line := []byte(strings.Repeat("ab c\r\n", size/6+1)[:size])
				line[0] = 'x'
				copy(line[p:], bad)
				check(t, line)
			}
		}
	}
}

func TestCleanRandom(t *testing.T) {
	pieces := []string{"a", "word", " ", "  ", "\t", "\r\n", "\n", "\r", "é", "=", strings.Repeat("z", 40)}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var sb strings.Builder
		for n := r.IntN(60); n > 0; n-- {
			// Mostly clean text, so the scan runs long before it stops.
			if r.IntN(8) == 0 {
				sb.WriteString(pieces[r.IntN(len(pieces))])
			} else {
				sb.WriteString([]string{"lorem ", "ipsum", "\r\n", "x"}[r.IntN(4)])
			}
		}
		check(t, []byte(sb.String()))
	}
}

func FuzzClean(f *testing.F) {
	f.Add([]byte(strings.Repeat("clean line of text\r\n", 5) + "tab\there"))
	f.Add([]byte(strings.Repeat("x", 40) + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) { check(t, b) })
}

func BenchmarkClean(b *testing.B) {
	body := []byte(strings.Repeat("Alinea: dit is tekst over het werk van de stichting, over projecten en vrijwilligers.\r\n", 360))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if Clean(body) < len(body)-100 && useAVX2 {
			b.Fatal("stopped early")
		}
	}
}
