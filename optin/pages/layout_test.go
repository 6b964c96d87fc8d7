package pages

import "testing"

// Button text on the house colour is whichever of black and white has the
// higher WCAG contrast ratio.
func TestButtonTextContrast(t *testing.T) {
	for _, c := range []struct{ primary, want string }{
		{"#1d4ed8", "#ffffff"}, {"#ffff00", "#000000"}, {"#000000", "#ffffff"}, {"#f0f0f0", "#000000"}, {"#a00000", "#ffffff"},
	} {
		got := "#ffffff"
		if contrast(c.primary, "#ffffff") < contrast(c.primary, "#000000") {
			got = "#000000"
		}
		if got != c.want {
			t.Errorf("%s: text %s, want %s", c.primary, got, c.want)
		}
		if r := contrast(c.primary, got); r < 4.5 {
			t.Errorf("%s on %s: contrast %.2f below 4.5", got, c.primary, r)
		}
	}
	if c := contrast("#000000", "#ffffff"); c < 20.9 || c > 21.1 {
		t.Errorf("black on white: %.2f, want 21", c)
	}
}
