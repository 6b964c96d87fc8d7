package mta

import (
	"bufio"
	"strings"
	"testing"
)

func TestReadReply(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in       string
		code     int
		enhanced string
		text     string
		bad      bool
	}{
		{"250 ok\r\n", 250, "", "ok", false},
		{"250-mx.example\r\n250-PIPELINING\r\n250 SIZE 100\r\n", 250, "", "mx.example PIPELINING SIZE 100", false},
		{"550 5.1.1 <x@y>: no such user\r\n", 550, "5.1.1", "<x@y>: no such user", false},
		{"550-5.7.1 policy\r\n550 5.7.1 see https://example\r\n", 550, "5.7.1", "policy see https://example", false},
		{"451 4.3.0\r\n", 451, "4.3.0", "", false},
		{"250\r\n", 250, "", "", false},
		{"452 4.5.3 too many\n", 452, "4.5.3", "too many", false},
		{"554 5.0 not enhanced\r\n", 554, "", "5.0 not enhanced", false},
		{"250-a\r\n251 b\r\n", 0, "", "", true},
		{"xyz\r\n", 0, "", "", true},
		{"99 low\r\n", 0, "", "", true},
		{"250-unterminated\r\n", 0, "", "", true},
	}
	for _, c := range cases {
		cn := &conn{r: bufio.NewReader(strings.NewReader(c.in))}
		rp, err := cn.readReply()
		if c.bad {
			if err == nil {
				t.Errorf("%q: no error", c.in)
			}
			continue
		}
		if err != nil || rp.code != c.code || rp.enhanced != c.enhanced || rp.text != c.text {
			t.Errorf("%q: %d %q %q %v", c.in, rp.code, rp.enhanced, rp.text, err)
		}
	}
}

func TestAppendBodyParts(t *testing.T) {
	t.Parallel()
	flat := func(sig, data string) string {
		var b []byte
		for _, p := range appendBodyParts(nil, Envelope{Signature: []byte(sig), Data: []byte(data)}) {
			b = append(b, p...)
		}
		return string(b)
	}
	for in, want := range map[[2]string]string{
		{"", ""}:                    "\r\n",
		{"", "a\r\n"}:               "a\r\n",
		{"", "a"}:                   "a\r\n",
		{"", ".a\r\n.\r\n..b\r\nc"}: "..a\r\n..\r\n...b\r\nc\r\n",
		{"", "\n.x"}:                "\n..x\r\n",
		{"S: 1\r\n", ".a\r\nb"}:     "S: 1\r\n..a\r\nb\r\n",
		{".S: 1\r\n", "a\r\n"}:      "..S: 1\r\na\r\n",
		{"S: 1\r\n", ""}:            "S: 1\r\n",
		{"S: 1", ".a\r\n"}:          "S: 1.a\r\n", // not at a line start
	} {
		if got := flat(in[0], in[1]); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
	// The message itself is never copied: every part but a stuffing dot
	// or the final CRLF points into it.
	data := []byte("a\r\n.b\r\nc\r\n")
	parts := appendBodyParts(nil, Envelope{Data: data})
	if len(parts) != 3 || &parts[0][0] != &data[0] || &parts[2][0] != &data[3] {
		t.Errorf("parts %q do not point into the message", parts)
	}
	// DotFree data goes as one part, unsearched, after the stuffed signature.
	data = []byte("a\r\nb\r\n")
	parts = appendBodyParts(nil, Envelope{Signature: []byte(".S: 1\r\n"), Data: data, DotFree: true})
	if len(parts) != 3 || string(parts[0]) != "." || &parts[2][0] != &data[0] || len(parts[2]) != len(data) {
		t.Errorf("DotFree parts %q", parts)
	}
}
