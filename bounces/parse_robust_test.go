package bounces

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The robustness tests change the shared corpus messages in ways that do
// not change what they say (line ends, folding, transfer encodings, the
// spelling of addresses, a report cut after its delivery-status part) and
// check that Parse reads the same failures from the changed message as
// from the original.

// entity is one MIME entity of a message being rewritten: its raw header
// block (with the line ends it had) and its body.
type entity struct {
	header []byte
	body   []byte
}

// splitEntity splits a raw entity at its first empty line.
func splitEntity(raw []byte) entity {
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			break
		}
		line := bytes.TrimRight(raw[i:i+j], "\r")
		if len(line) == 0 {
			return entity{raw[:i], raw[i+j+1:]}
		}
		i += j + 1
	}
	return entity{raw, nil}
}

// mediaType is the media type and boundary of a raw header block.
func (e entity) mediaType() (string, string) {
	h, _ := splitHeader(append(append([]byte{}, e.header...), "\r\n"...), nil)
	mt, p := contentType(h)
	return mt, p["boundary"]
}

// leafFunc rewrites one leaf entity; it returns the header and body to
// write in its place.
type leafFunc func(mt string, e entity) entity

// rewriteLeaves rewrites every leaf of a raw message with fn, keeping the
// multipart structure, the boundaries and the preambles. A multipart
// whose parts cannot be told apart is passed to fn as a leaf.
func rewriteLeaves(raw []byte, fn leafFunc) []byte {
	e := splitEntity(raw)
	mt, boundary := e.mediaType()
	if !strings.HasPrefix(mt, "multipart/") || boundary == "" {
		out := fn(mt, e)
		return join(out)
	}
	pre, parts, epi, ok := splitParts(e.body, boundary)
	if !ok {
		return join(fn(mt, e))
	}
	var b bytes.Buffer
	b.Write(pre)
	for _, p := range parts {
		b.WriteString("\r\n--" + boundary + "\r\n")
		b.Write(rewriteLeaves(p, fn))
	}
	b.WriteString("\r\n--" + boundary + "--\r\n")
	b.Write(epi)
	return join(entity{e.header, b.Bytes()})
}

// join writes an entity back: header, empty line, body.
func join(e entity) []byte {
	out := append([]byte{}, e.header...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, "\r\n"...)
	}
	out = append(out, "\r\n"...)
	return append(out, e.body...)
}

// splitParts splits a multipart body at its delimiter lines (RFC 2046
// section 5.1.1); ok is false when no delimiter is found.
func splitParts(body []byte, boundary string) (pre []byte, parts [][]byte, epi []byte, ok bool) {
	dash := []byte("--" + boundary)
	var cur []byte
	start := -1 // offset where the current part's content starts
	pos := 0
	for pos < len(body) {
		j := bytes.IndexByte(body[pos:], '\n')
		end := len(body)
		if j >= 0 {
			end = pos + j + 1
		}
		line := bytes.TrimRight(body[pos:end], " \t\r\n")
		isFinal := bytes.Equal(line, append(append([]byte{}, dash...), '-', '-'))
		if bytes.Equal(line, dash) || isFinal {
			// the part ends at the line break before the delimiter
			if start < 0 {
				pre = bytes.TrimRight(body[:pos], "\r\n")
			} else {
				cur = body[start:pos]
				cur = bytes.TrimSuffix(cur, []byte("\n"))
				cur = bytes.TrimSuffix(cur, []byte("\r"))
				parts = append(parts, cur)
			}
			start = end
			if isFinal {
				return pre, parts, body[end:], len(parts) > 0
			}
		}
		pos = end
	}
	if start >= 0 { // no final delimiter: the last part runs to the end
		parts = append(parts, body[start:])
	}
	return pre, parts, nil, len(parts) > 0
}

// setField replaces (or adds) a header field in a raw header block.
func setField(header []byte, name, value string) []byte {
	var out []byte
	lines := strings.SplitAfter(string(header), "\n")
	skip := false
	for _, l := range lines {
		if l == "" {
			continue
		}
		if skip && (l[0] == ' ' || l[0] == '\t') {
			continue
		}
		skip = false
		if i := strings.IndexByte(l, ':'); i > 0 && strings.EqualFold(strings.TrimSpace(l[:i]), name) {
			skip = true
			continue
		}
		out = append(out, l...)
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, "\r\n"...)
	}
	return append(out, name+": "+value+"\r\n"...)
}

// isDSN reports whether a media type is a delivery-status body.
func isDSN(mt string) bool {
	return mt == "message/delivery-status" || mt == "message/global-delivery-status"
}

// isTextLeaf reports whether a media type is read as the notice.
func isTextLeaf(mt string) bool { return mt == "text/plain" || mt == "" }

// b64 encodes a body in base64 lines of 76 characters (RFC 2045 section
// 6.8).
func b64(body []byte) []byte {
	s := base64.StdEncoding.EncodeToString(body)
	var b bytes.Buffer
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s + "\r\n")
	return b.Bytes()
}

// qp encodes a body in quoted-printable (RFC 2045 section 6.7).
func qp(body []byte) []byte {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	w.Write(body)
	w.Close()
	return b.Bytes()
}

// encoded rewrites the leaves accepted by which into the transfer encoding
// enc; a leaf that already has an encoding other than 7bit/8bit is left.
func encoded(which func(string) bool, enc string) func([]byte) []byte {
	return func(raw []byte) []byte {
		return rewriteLeaves(raw, func(mt string, e entity) entity {
			h, _ := splitHeader(append(append([]byte{}, e.header...), "\r\n"...), nil)
			cte := asciiLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
			if !which(mt) || (cte != "" && cte != "7bit" && cte != "8bit") {
				return e
			}
			body := e.body
			if enc == "base64" {
				body = b64(body)
			} else {
				body = qp(body)
			}
			return entity{setField(e.header, "Content-Transfer-Encoding", enc), body}
		})
	}
}

// dsnFields rewrites the lines of every delivery-status part with fn.
func dsnFields(fn func(line string) string) func([]byte) []byte {
	return func(raw []byte) []byte {
		return rewriteLeaves(raw, func(mt string, e entity) entity {
			if !isDSN(mt) {
				return e
			}
			lines := strings.SplitAfter(string(e.body), "\n")
			var b strings.Builder
			for _, l := range lines {
				b.WriteString(fn(l))
			}
			return entity{e.header, []byte(b.String())}
		})
	}
}

// lineEnd returns the line break a line ends with and the line without it.
func lineEnd(l string) (string, string) {
	switch {
	case strings.HasSuffix(l, "\r\n"):
		return l[:len(l)-2], "\r\n"
	case strings.HasSuffix(l, "\n"):
		return l[:len(l)-1], "\n"
	}
	return l, ""
}

// refold folds a field line longer than 30 characters at every space
// after the colon (RFC 5322 section 2.2.3 allows folding at any white
// space), keeping the line break it had.
func refold(l string) string {
	body, nl := lineEnd(l)
	i := strings.IndexByte(body, ':')
	if i <= 0 || len(body) < 30 || body[0] == ' ' || body[0] == '\t' || nl == "" {
		return l
	}
	rest := body[i+1:]
	words := strings.Fields(rest)
	if len(words) < 2 {
		return l
	}
	return body[:i+1] + " " + strings.Join(words, nl+"\t ") + nl
}

// mutation is one change that should not change what Parse reads.
type mutation struct {
	name string
	fn   func([]byte) []byte
	// applies reports whether the mutation applies to a message whose
	// unchanged report is rep (nil: always).
	applies func(raw []byte, rep *Report) bool
	// malformed: the change makes the message malformed, so a hard
	// result read from its text may be unknown (parse_malformed.go):
	// hard and unknown are compared as one.
	malformed bool
}

var addrRE = regexp.MustCompile(`[A-Za-z0-9._%+=-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+`)

var mutations = []mutation{
	{name: "rewritten unchanged (control)", fn: func(b []byte) []byte { return rewriteLeaves(b, func(_ string, e entity) entity { return e }) }},
	{name: "LF line ends", fn: func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }},
	{name: "CRLF line ends", fn: func(b []byte) []byte {
		return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
	}},
	{name: "delivery-status in base64", fn: encoded(isDSN, "base64"), applies: hasDSN},
	{name: "delivery-status in quoted-printable", fn: encoded(isDSN, "quoted-printable"), applies: hasDSN},
	{name: "text in base64", fn: encoded(isTextLeaf, "base64")},
	{name: "text in quoted-printable", fn: encoded(isTextLeaf, "quoted-printable")},
	{name: "delivery-status fields folded", fn: dsnFields(refold), applies: hasDSN},
	{name: "addresses in angle brackets", fn: dsnFields(func(l string) string {
		body, nl := lineEnd(l)
		lower := asciiLower(body)
		if !strings.HasPrefix(lower, "final-recipient:") && !strings.HasPrefix(lower, "original-recipient:") {
			return l
		}
		i := strings.IndexByte(body, ';')
		if i < 0 || strings.Contains(body, "<") {
			return l
		}
		return body[:i+1] + " <" + strings.TrimSpace(body[i+1:]) + ">" + nl
	}), applies: hasDSN},
	{name: "address type in upper case with a comment", fn: dsnFields(func(l string) string {
		body, nl := lineEnd(l)
		lower := asciiLower(body)
		if !strings.HasPrefix(lower, "final-recipient:") {
			return l
		}
		i := strings.IndexByte(body, ';')
		if i < 0 {
			return l
		}
		// RFC 3464 section 2.1: the fields follow RFC 822 syntax, which
		// allows comments; address types are case-insensitive.
		return "Final-Recipient: RFC822;" + body[i+1:] + " (final)" + nl
	}), applies: hasDSN},
	{name: "domains in upper case", fn: func(b []byte) []byte {
		return addrRE.ReplaceAllFunc(b, func(a []byte) []byte {
			i := bytes.LastIndexByte(a, '@')
			return append(append([]byte{}, a[:i]...), bytes.ToUpper(a[i:])...)
		})
	}},
	{name: "returned message cut off", fn: cutAfterReport, applies: hasReturned},
	{name: "parameter lists continued without folding white space", fn: func(b []byte) []byte {
		// "Content-Type: multipart/report; report-type=...;\r\n boundary=..."
		// becomes "...;\r\nboundary=...": the line break is kept, the
		// folding white space is lost.
		return regexp.MustCompile(`(?i)(content-type:[^\r\n]*;[ \t]*)(\r?\n)[ \t]+(boundary=|charset=|report-type=)`).ReplaceAll(b, []byte("$1$2$3"))
	}, applies: func(raw []byte, _ *Report) bool {
		return regexp.MustCompile(`(?i)content-type:[^\r\n]*;[ \t]*\r?\n[ \t]+(boundary=|charset=|report-type=)`).Match(raw)
	}, malformed: true},
	{name: "Status missing, the same code in the diagnostic", fn: dsnFields(func(l string) string {
		if strings.HasPrefix(asciiLower(l), "status:") {
			return ""
		}
		return l
	}), applies: statusInDiagnostic},
	{name: "8-bit text before the notice", fn: func(b []byte) []byte {
		return rewriteLeaves(b, func(mt string, e entity) entity {
			h, _ := splitHeader(append(append([]byte{}, e.header...), "\r\n"...), nil)
			cte := asciiLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
			_, p := contentType(h)
			if !isTextLeaf(mt) || (cte != "" && cte != "7bit" && cte != "8bit") || !strings.EqualFold(p["charset"], "us-ascii") && p["charset"] != "" {
				return e
			}
			hdr := setField(e.header, "Content-Transfer-Encoding", "8bit")
			if p["charset"] != "" || mt == "text/plain" {
				hdr = setField(hdr, "Content-Type", "text/plain; charset=utf-8")
			}
			return entity{hdr, append([]byte("Zustellung fehlgeschlagen – Rückmeldung des Systems.\r\n\r\n"), e.body...)}
		})
	}},
	{name: "Final-Recipient missing, Original-Recipient present", fn: dsnFields(func(l string) string {
		if strings.HasPrefix(asciiLower(l), "final-recipient:") {
			return ""
		}
		return l
	}), applies: sameOriginal},
}

// hasDSN: the message has a delivery-status part.
func hasDSN(raw []byte, _ *Report) bool {
	return bytes.Contains(bytes.ToLower(raw), []byte("message/delivery-status"))
}

// statusInDiagnostic: every Status field of the message has the same code
// in the Diagnostic-Code that follows it, after the reply code.
func statusInDiagnostic(raw []byte, rep *Report) bool {
	if !hasDSN(raw, rep) || len(rep.Results) == 0 {
		return false
	}
	st := regexp.MustCompile(`(?im)^status:\s*([245]\.\d+\.\d+)`).FindAllSubmatch(raw, -1)
	dc := regexp.MustCompile(`(?im)^diagnostic-code:\s*smtp;\s*[245]\d\d[ -]([245]\.\d+\.\d+)`).FindAllSubmatch(raw, -1)
	if len(st) == 0 || len(st) != len(dc) {
		return false
	}
	for i := range st {
		if string(st[i][1]) != string(dc[i][1]) {
			return false
		}
	}
	return true
}

// hasReturned: the message is a multipart report whose delivery-status
// part names its recipients, with a returned message after it.
func hasReturned(raw []byte, rep *Report) bool {
	return hasDSN(raw, rep) && bytes.Contains(bytes.ToLower(raw), []byte("\nfinal-recipient:")) &&
		len(cutAfterReport(raw)) < len(raw)
}

// sameOriginal: every failed recipient has an Original-Recipient equal to
// its Final-Recipient.
func sameOriginal(raw []byte, rep *Report) bool {
	if !hasDSN(raw, rep) {
		return false
	}
	fr := regexp.MustCompile(`(?im)^final-recipient:[^;]*;\s*<?([^\s>]+)`).FindAllSubmatch(raw, -1)
	or := regexp.MustCompile(`(?im)^original-recipient:[^;]*;\s*<?([^\s>]+)`).FindAllSubmatch(raw, -1)
	if len(fr) == 0 || len(fr) != len(or) {
		return false
	}
	for i := range fr {
		if !strings.EqualFold(string(fr[i][1]), string(or[i][1])) {
			return false
		}
	}
	return true
}

// cutAfterReport cuts a message right after its delivery-status part:
// the returned message and the closing delimiter are lost, as when a
// relay truncates a large bounce.
func cutAfterReport(raw []byte) []byte {
	lower := bytes.ToLower(raw)
	i := bytes.Index(lower, []byte("content-type: message/delivery-status"))
	if i < 0 {
		return raw
	}
	e := splitEntity(raw)
	_, boundary := e.mediaType()
	if boundary == "" {
		return raw
	}
	j := bytes.Index(raw[i:], []byte("\n--"+boundary))
	if j < 0 {
		return raw
	}
	return raw[:i+j+1]
}

// reportOutcome is what a report says about its failures, for comparison.
func reportOutcome(rep *Report) string {
	var s []string
	for _, r := range rep.Results {
		s = append(s, fmt.Sprintf("%s %s %d %s", r.Recipient, r.Status, r.ReplyCode, r.Class))
	}
	return strings.Join(s, ", ")
}

// TestParseRobustToHarmlessChanges applies each mutation to every corpus
// message it fits and checks that the report is unchanged.
func TestParseRobustToHarmlessChanges(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "corpus", "eml", "*.eml"))
	if len(files) == 0 {
		t.Fatal("no corpus")
	}
	sort.Strings(files)
	fails := map[string]int{}
	tried := map[string]int{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		base, _ := Parse(raw)
		for _, m := range mutations {
			want := reportOutcome(base)
			hardAsUnknown := func(s string) string {
				if m.malformed {
					return strings.ReplaceAll(s, " "+string(Hard), " "+string(Unknown))
				}
				return s
			}
			want = hardAsUnknown(want)
			if m.applies != nil && !m.applies(raw, base) {
				continue
			}
			changed := m.fn(raw)
			if bytes.Equal(changed, raw) && m.name != mutations[0].name {
				continue // nothing to change: not a trial
			}
			tried[m.name]++
			got, _ := Parse(changed)
			if g := hardAsUnknown(reportOutcome(got)); g != want {
				fails[m.name]++
				if os.Getenv("BOUNCES_ROBUST_VERBOSE") != "" {
					t.Logf("%s, %s:\n  want %s\n  got  %s", filepath.Base(f), m.name, want, g)
				}
			}
		}
	}
	for _, m := range mutations {
		t.Logf("%-55s %3d of %3d changed", m.name, fails[m.name], tried[m.name])
		if fails[m.name] > 0 {
			t.Errorf("%s: %d of %d messages read differently", m.name, fails[m.name], tried[m.name])
		}
	}
}

// TestParseSecondRecipient copies the one failed recipient group of every
// corpus delivery-status report that has exactly one, with a
// Diagnostic-Code, under another
// address, and checks that both recipients are reported, in order, with
// the same status and reply code (RFC 3464 section 2.3: one group per
// recipient).
func TestParseSecondRecipient(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "corpus", "eml", "*.eml"))
	group := regexp.MustCompile(`(?is)((?:original-recipient:[^\n]*\n)?final-recipient:.*?)(\r?\n\r?\n|\r?\n--|$)`)
	tried, failed := 0, 0
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		base, _ := Parse(raw)
		if len(base.Results) != 1 || base.Results[0].Recipient == "" || bytes.Count(bytes.ToLower(raw), []byte("\nfinal-recipient:")) != 1 {
			continue
		}
		r := base.Results[0]
		changed := dsnBodies(raw, func(body []byte) []byte {
			m := group.FindSubmatchIndex(body)
			if m == nil {
				return body
			}
			g := string(body[m[2]:m[3]])
			if !strings.Contains(asciiLower(g), "diagnostic-code:") {
				return body // the diagnostic is in the notice, which names only the first recipient
			}
			copyG := regexp.MustCompile(`(?i)`+regexp.QuoteMeta(r.Recipient)).ReplaceAllString(g, "second.reader@example.net")
			if r.OriginalRecipient != "" {
				copyG = regexp.MustCompile(`(?i)`+regexp.QuoteMeta(r.OriginalRecipient)).ReplaceAllString(copyG, "second.reader@example.net")
			}
			out := append([]byte{}, body[:m[3]]...)
			out = append(out, "\r\n\r\n"+copyG...)
			return append(out, body[m[3]:]...)
		})
		if bytes.Equal(changed, raw) || !bytes.Contains(changed, []byte("second.reader@example.net")) {
			continue
		}
		tried++
		got, _ := Parse(changed)
		// The class may differ: the notice says which command the first
		// recipient's reply answered, and says nothing about the copy.
		want := fmt.Sprintf("%s %s %d, second.reader@example.net %s %d", r.Recipient, r.Status, r.ReplyCode, r.Status, r.ReplyCode)
		var g []string
		for _, x := range got.Results {
			g = append(g, fmt.Sprintf("%s %s %d", x.Recipient, x.Status, x.ReplyCode))
		}
		if g := strings.Join(g, ", "); g != want {
			failed++
			t.Errorf("%s:\n  want %s\n  got  %s", filepath.Base(f), want, g)
		}
	}
	t.Logf("%d of %d reports with a second recipient read differently", failed, tried)
	if tried < 50 {
		t.Errorf("only %d reports tried", tried)
	}
}

// dsnBodies rewrites the body of every delivery-status part with fn.
func dsnBodies(raw []byte, fn func([]byte) []byte) []byte {
	return rewriteLeaves(raw, func(mt string, e entity) entity {
		if !isDSN(mt) {
			return e
		}
		return entity{e.header, fn(e.body)}
	})
}
