package errs_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/errs"
)

// TestNameRefusesWhatSpoofsAReader: every text direction control and other
// invisible format character is refused with the field named; names in
// any script, with accents, emoji sequences and the joiners Persian needs
// pass.
func TestNameRefusesWhatSpoofsAReader(t *testing.T) {
	for _, ok := range []string{"", "Anna de Vries", "Zoë Ørsted-Łukasz", "José María", "مریم", "می\u200cخواهم",
		"नमस्ते", "👩\u200d💻 Team", "王小明", "O'Brien & Co.", strings.Repeat("é", errs.NameMax)} {
		if err := errs.Name("name", ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	bad := map[string]string{
		"Invoice\u202efdp.exe": "invisible", "a\u202ab": "invisible", "a\u202bb": "invisible", "a\u202cb": "invisible",
		"a\u202db": "invisible", "a\u2066b": "invisible", "a\u2067b": "invisible", "a\u2068b": "invisible", "a\u2069b": "invisible",
		"a\u200eb": "invisible", "a\u200fb": "invisible", "a\u061cb": "invisible", "a\u200bb": "invisible", "a\u2060b": "invisible",
		"\ufeffAnna": "invisible", "An\u00adna": "invisible", "a\U000e0041b": "invisible", "\u3164": "invisible", "a\u115fb": "invisible",
		"a\nb": "one line", "a\rb": "one line", "a\u2028b": "one line", "a\tb": "control", "a\x7fb": "control", "a\u0085b": "control",
		"a\x00b": "NUL", "a\xffb": "UTF-8", strings.Repeat("a", errs.NameMax+1): "longer",
	}
	for s, want := range bad {
		err := errs.Name("display_name", s)
		var e *errs.Error
		if !errors.As(err, &e) || e.Field != "display_name" || e.Kind != errs.KindInvalid || !strings.Contains(e.Message, want) {
			t.Errorf("%+q: %v, want an invalid display_name that says %q", s, err, want)
		}
	}
}

// TestVisibleShowsWhatAReaderCannotSee: every character Name refuses as
// unseen is written as its escape, bytes that are not UTF-8 as \xNN, and
// everything a reader sees (accents, scripts, the joiners, emoji) stays.
func TestVisibleShowsWhatAReaderCannotSee(t *testing.T) {
	for in, want := range map[string]string{
		"ann@example.org":        "ann@example.org",
		"Invoice\u202efdp.exe":   `Invoice\u202efdp.exe`,
		"a\u2066b\u2069c":        `a\u2066b\u2069c`,
		"a\u200bb\ufeff":         `a\u200bb\ufeff`,
		"\u3164x\U000e0041":      `\u3164x\U000e0041`,
		"a\tb\nc\x00d\x7f\u0085": `a\tb\nc\x00d\x7f\u0085`,
		"a\u2028b":               `a\u2028b`,
		"a\u00a0b\u3000c d":      `a\u00a0b\u3000c d`,
		"a\xffb":                 `a\xffb`,
		"Zoë مریم می\u200cخواهم 👩\u200d💻": "Zoë مریم می\u200cخواهم 👩\u200d💻",
	} {
		if got := errs.Visible(in); got != want {
			t.Errorf("Visible(%+q) = %q, want %q", in, got, want)
		}
		if got := errs.Visible(in); errs.NameProblem(strings.ReplaceAll(got, " ", "")) != "" && len(got) <= errs.NameMax {
			t.Errorf("Visible(%+q) = %+q still holds what a reader cannot see", in, got)
		}
	}
}

func ExampleVisible() {
	fmt.Println(errs.Visible("Invoice\u202efdp.exe"))
	// Output: Invoice\u202efdp.exe
}

// TestValueAllowsLinesRefusesWhatSpoofsAReader: a free value (an
// attribute) may hold line breaks and tabs and any script, but no other
// control character (C0 or C1) and none of the invisible characters and
// text direction controls a name may not hold, with the field named.
func TestValueAllowsLinesRefusesWhatSpoofsAReader(t *testing.T) {
	for _, ok := range []string{"", "Dorpsstraat 1\r\n1234 AB Ergens", "a\tb", "مریم", "می\u200cخواهم", "👩\u200d💻",
		strings.Repeat("é", 5000)} {
		if err := errs.Value("attributes.note", ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for s, want := range map[string]string{
		"Invoice\u202efdp.exe": "invisible", "a\u2066b": "invisible", "a\u200bb": "invisible", "\ufeffx": "invisible",
		"a\x1bb": "control", "a\x7fb": "control", "a\u0085b": "control", "a\u009bb": "control", "a\x0bb": "control",
		"a\x00b": "NUL", "a\xffb": "UTF-8",
	} {
		err := errs.Value("attributes.note", s)
		var e *errs.Error
		if !errors.As(err, &e) || e.Field != "attributes.note" || !strings.Contains(e.Message, want) {
			t.Errorf("%+q: %v, want an invalid attributes.note that says %q", s, err, want)
		}
	}
}
