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

func TestAppendBody(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                    "\r\n.\r\n",
		"a\r\n":               "a\r\n.\r\n",
		"a":                   "a\r\n.\r\n",
		".a\r\n.\r\n..b\r\nc": "..a\r\n..\r\n...b\r\nc\r\n.\r\n",
	} {
		if got := string(appendBody(nil, []byte(in), false)); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
	if got := string(appendBody(nil, []byte("x"), true)); got != ".\r\n" {
		t.Errorf("abort: %q", got)
	}
}
