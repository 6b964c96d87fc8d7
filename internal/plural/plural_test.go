package plural

import "testing"

// TestPlural: one takes the singular, every other count (zero included)
// the plural, in each place a text counts something.
func TestPlural(t *testing.T) {
	for _, c := range []struct {
		format string
		args   []any
		want   string
	}{
		{"Erase %d {contact|contacts}", []any{1}, "Erase 1 contact"},
		{"Erase %d {contact|contacts}", []any{0}, "Erase 0 contacts"},
		{"Erase %d {contact|contacts}", []any{int64(2)}, "Erase 2 contacts"},
		{"%d {contact wordt|contacten worden} gewist (na %d {dag|dagen})", []any{1, 30}, "1 contact wordt gewist (na 30 dagen)"},
		{"%d {contact is|contacts are} due (more than %d {day|days})", []any{3, 1}, "3 contacts are due (more than 1 day)"},
		{"%s has %d {row|rows}, 100%% read", []any{"f.csv", 1}, "f.csv has 1 row, 100% read"},
		{"{no forms} %d", []any{1}, "{no forms} 1"},
	} {
		if got := Sprintf(c.format, c.args...); got != c.want {
			t.Errorf("Sprintf(%q, %v) = %q, want %q", c.format, c.args, got, c.want)
		}
	}
	if got := Count(1, "day|days"); got != "1 day" {
		t.Errorf("Count(1) = %q", got)
	}
	if got := Count(7, "dag|dagen"); got != "7 dagen" {
		t.Errorf("Count(7) = %q", got)
	}
}
