package errs_test

import (
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
