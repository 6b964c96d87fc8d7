package errs_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/errs"
)

func TestText(t *testing.T) {
	for s, bad := range map[string]bool{"": false, "Zoë ☃": false, "a\x00b": true, "\xff": true, "a\xc3": true, "tab\tok": false} {
		err := errs.Text("f", s)
		if (err != nil) != bad {
			t.Errorf("Text(%q) = %v, want error %v", s, err, bad)
		}
		if fe, ok := err.(*errs.Error); bad && (!ok || fe.Field != "f" || fe.Kind != errs.KindInvalid) {
			t.Errorf("Text(%q) = %#v, want an invalid-field error for f", s, err)
		}
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{"city": "city", "k\x00": `k\0`, "a\xffb": "a\uFFFDb"} {
		if got := errs.Printable(in); got != want || errs.TextProblem(got) != "" {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSlug(t *testing.T) {
	for s, want := range map[string]bool{"news": true, "a": true, "0-day": true, strings.Repeat("a", 63): true,
		"": false, "-news": false, "News": false, "a_b": false, "a b": false, strings.Repeat("a", 64): false, "é": false} {
		if got := errs.IsSlug(s); got != want {
			t.Errorf("IsSlug(%q) = %v, want %v", s, got, want)
		}
		var e *errs.Error
		if err := errs.Slug("slug", s); (err == nil) != want || (err != nil && (!errors.As(err, &e) || e.Field != "slug")) {
			t.Errorf("Slug(%q) = %v", s, err)
		}
	}
}

func TestClip(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{{"agent", 10, "agent"}, {"aé", 2, "a"}, {"aé", 3, "aé"}, {"a\xffb", 10, "a\uFFFDb"}, {"a\x00", 10, `a\0`}, {"☃☃", 4, "☃"}, {"é", 1, ""}} {
		if got := errs.Clip(c.in, c.n); got != c.want || errs.TextProblem(got) != "" {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
