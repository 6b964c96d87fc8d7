package errs_test

import (
	"errors"
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
