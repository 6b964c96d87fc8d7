package templates

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestCompileRefusesHiddenFooter: a body that leaves open an element which
// hides what follows, or turns it into text, keeps the footer links in the
// markup but not on the screen; Compile refuses it naming the html part.
// Balanced bodies, complete documents and harmless unclosed <p> still pass.
func TestCompileRefusesHiddenFooter(t *testing.T) {
	t.Parallel()
	bad := map[string]string{
		"plaintext":       `<p>Hi</p><plaintext>`,
		"xmp":             `<p>Hi</p><xmp>`,
		"template":        `<p>Hi</p><template>`,
		"iframe":          `<p>Hi</p><iframe>`,
		"noembed":         `<p>Hi</p><noembed>`,
		"noscript":        `<p>Hi</p><noscript>`,
		"document div":    `<html><body><p>Hi</p><div style="display:none"></body></html>`,
		"document table":  `<html><body><table><tr><td style="display:none">Hi</body></html>`,
		"nested table":    `<table><tr><td style="display:none">Hi`,
		"document no end": `<html><body><div hidden>Hi`,
	}
	for name, body := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := Compile(context.Background(), "S", body, "", style)
			var te *Error
			if !errors.As(err, &te) || te.Part != "html" || !strings.Contains(te.Msg, "footer") {
				t.Fatalf("want an html error about the footer, got %v", err)
			}
		})
	}
	good := []string{`<p>Hi</p>`, `<p>Hi`, `<div style="color:red">Hi`, `<html><body><p>Hi</p></body></html>`,
		`<html><head><style>p{color:red}</style></head><body><div><p>Hi</div></body></html>`}
	for _, body := range good {
		if _, err := Compile(context.Background(), "S", body, "", style); err != nil {
			t.Errorf("%q: %v", body, err)
		}
	}
}
