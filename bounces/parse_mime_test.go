package bounces

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/emersion/go-message/textproto"
)

// referenceParts reads a multipart body with go-message's multipart
// reader: each part's media type, transfer encoding and body.
func referenceParts(body []byte, boundary string) []string {
	mr := textproto.NewMultipartReader(bytes.NewReader(body), boundary)
	var out []string
	for range 50 {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		data, _ := io.ReadAll(p)
		out = append(out, fmt.Sprintf("%q|%q|%q", p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), data))
	}
	return out
}

// inPlaceParts is referenceParts with the in-place reader Parse uses,
// strict or lenient; repairs are the offsets of the part header lines the
// lenient reader took for folded ones.
func inPlaceParts(body []byte, boundary string, lenient bool) (out []string, repairs []int) {
	mr := newMultipart(body, boundary)
	mr.lenient = lenient
	defer func() { repairs = mr.repairs }()
	for range 50 {
		h, data, ok := mr.next()
		if !ok {
			break
		}
		out = append(out, fmt.Sprintf("%q|%q|%q", h.Get("Content-Type"), h.Get("Content-Transfer-Encoding"), data))
	}
	return out, nil
}

// FuzzMultipart checks that the in-place multipart reader finds the same
// parts as go-message's reader, on the corpus, hand-made edge cases
// (preamble, LF line ends, a delimiter with trailing blanks, a boundary
// that is the prefix of another, a truncated body, a malformed part
// header, a parameter list continued without folding white space) and
// whatever the fuzzer derives from them. The lenient reader Parse uses
// must read what go-message reads once the lines it took for folded ones
// are indented.
func FuzzMultipart(f *testing.F) {
	f.Add([]byte("pre\r\n--B\r\nContent-Type: text/plain\r\n\r\nhello\r\n--B  \r\nContent-Type: a/b\r\n x\r\n\r\n--B--\r\n"), "B")
	f.Add([]byte("--B\nContent-Type: text/plain\n\nhello\n--B--"), "B")
	f.Add([]byte("--B\r\n\r\n--B\r\n\r\n--BX\r\n--B -\r\n"), "B")
	f.Add([]byte("--B\r\n\r\nx\r\n--B\t\r\n\r\ny\r\n--B--"), "B")
	f.Add([]byte("--B\r\nContent-Type: text/plain\r\n\r\nbody cut short\r\n--"), "B")
	f.Add([]byte("--B\r\nnot a header\r\n\r\nbody\r\n--B--\r\n"), "B")
	f.Add([]byte("--B\r\nContent-Type: multipart/alternative;\r\nboundary=\"C\"\r\n\r\n--C\r\n\r\nx\r\n--C--\r\n--B--\r\n"), "B")
	f.Add([]byte("--B\nContent-Type: text/plain; format=flowed;\ncharset=us-ascii\nContent-Transfer-Encoding: 7bit\n\nx\n--B--\n"), "B")
	files, _ := filepath.Glob(filepath.Join("testdata", "corpus", "eml", "*.eml"))
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		h, body := splitHeader(raw, topFields)
		if _, p := contentType(h); p["boundary"] != "" {
			f.Add(body, p["boundary"])
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		if boundary == "" {
			return
		}
		want := referenceParts(body, boundary)
		if got, _ := inPlaceParts(body, boundary, false); fmt.Sprint(want) != fmt.Sprint(got) {
			t.Fatalf("go-message reads %v\nthe strict reader reads %v", want, got)
		}
		got, repairs := inPlaceParts(body, boundary, true)
		if len(repairs) > 0 {
			indented := make([]byte, 0, len(body)+len(repairs))
			last := 0
			for _, at := range repairs {
				indented = append(append(indented, body[last:at]...), ' ')
				last = at
			}
			want = referenceParts(append(indented, body[last:]...), boundary)
		}
		if fmt.Sprint(want) != fmt.Sprint(got) {
			t.Fatalf("go-message reads %v\nthe lenient reader reads %v (lines indented at %v)", want, got, repairs)
		}
	})
}
