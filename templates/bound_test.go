package templates

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestCompileBounded: templates that loop or print without end are refused
// quickly, with an *Error naming the part.
func TestCompileBounded(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, subject, html, text, part, msg string }{
		{"empty loop", "S", `<p>{{range 30000000}}{{end}}</p>`, "", "html", "too much work"},
		{"ten megabytes", "S", `<p>{{range 1000000}}xxxxxxxxxx{{end}}</p>`, "", "html", ""},
		{"two megabytes", "S", `<p>{{range 30000}}` + strings.Repeat("x", 100) + `{{end}}</p>`, "", "html", "too large"},
		{"nested loops", "S", `{{range 1000}}{{range 1000}}{{range 1000}}{{end}}{{end}}{{end}}`, "", "html", "too much work"},
		{"template fan-out", "S", `{{define "a"}}{{range 100}}<b>x</b>{{end}}{{end}}{{define "b"}}{{template "a" .}}{{template "a" .}}{{template "a" .}}{{template "a" .}}{{end}}` +
			strings.Repeat(`{{template "b" .}}`, 3000), "", "html", ""},
		{"recursion", "S", `{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}`, "", "html", ""},
		{"subject loop", `{{range 30000000}}{{end}}S`, `<p>x</p>`, "", "subject", "too much work"},
		{"long subject", `{{range 5000}}x{{end}}`, `<p>x</p>`, "", "subject", "too large"},
		{"text loop", "S", `<p>x</p>`, `{{range 30000000}}{{end}}`, "text", "too much work"},
		{"text size", "S", `<p>x</p>`, `{{range 1000000}}xxxxxxxxxx{{end}}`, "text", ""},
		{"unclosed after loop", "S", "{{range 30000000}}{{end}}\n<a href=\"", "", "html", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := Compile(context.Background(), c.subject, c.html, c.text, style)
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("want *Error, got %v", err)
			}
			if te.Part != c.part || !strings.Contains(te.Msg, c.msg) {
				t.Errorf("got %s: %q, want %s: %q", te.Part, te.Msg, c.part, c.msg)
			}
			if d := time.Since(start); d > CompileTime+time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

// TestCompileCancelled: a cancelled context stops the dry render at once.
func TestCompileCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	// Within MaxSteps and printing nothing, but slow enough to outlast the
	// cancel: only the cancel can end it with this error (no wall-clock
	// assertion: the machine may be busy).
	_, err := Compile(ctx, "S", `{{range 300}}{{range 300}}{{if printf "%0100000d" 1}}{{end}}{{end}}{{end}}`, "", style)
	if err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("want a cancelled compile, got %v", err)
	}
}

// TestBodyCannotRedefineLayout: the footer links are in both parts of every
// rendered message; a body may not define the layout's templates nor hide
// the footer.
func TestBodyCannotRedefineLayout(t *testing.T) {
	t.Parallel()
	for _, html := range []string{
		`{{define "layout"}}<p>no footer</p>{{end}}<p>x</p>`,
		`<p>x</p>{{define "footer"}}{{end}}`,
		`<p>x</p>{{block "footer" .}}{{end}}`,
		`<html><body><p>x</p>{{define "footer"}}<p>none</p>{{end}}</body></html>`,
		`<html><body><p>x</p>{{if false}}</body>{{end}}</html>`,
	} {
		_, err := Compile(context.Background(), "S", html, "", style)
		var te *Error
		if !errors.As(err, &te) || te.Part != "html" {
			t.Errorf("%s: want an html error, got %v", html, err)
		}
	}
	links := Sample().Links
	tpl := mustCompile(t, "S", `<p>x</p>{{define "mine"}}<b>y</b>{{end}}{{template "mine" .}}`, "")
	r, err := tpl.Render(context.Background(), Sample(), RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := Parts{Subject: r.Subject, HTML: []byte(r.HTML), Text: []byte(r.Text)}
	if err := verify(p, -1, &links); err != nil {
		t.Fatal(err)
	}
	at := bytes.LastIndex(p.HTML, footerMark)
	// Where the footer is expected never changes the outcome: a later
	// footer element without the links fails wherever the caller looks.
	late := Parts{Subject: p.Subject, HTML: append(bytes.Clone(p.HTML), "<table data-pb-footer></table>"...), Text: p.Text}
	for _, hint := range []int{-1, 0, at, at + 1, len(p.HTML) - 1, len(p.HTML) + 5} {
		if err := verify(p, hint, &links); err != nil {
			t.Errorf("footer expected at %d: %v", hint, err)
		}
		if err := verify(late, hint, &links); err == nil {
			t.Errorf("footer expected at %d: verify accepts a later footer element without the links", hint)
		}
	}
	p.Text = []byte(strings.Replace(r.Text, Sample().Links.Privacy, "", 1))
	if err := verify(p, at, &links); err == nil {
		t.Error("verify accepts a text part without the privacy link")
	}
}

// TestRenderToFindsTheFooter: the fast path knows where the footer starts,
// with and without tracking, so verify need not search the document
// backwards for it; and RenderTo into a reused Buffer renders what Render
// does.
func TestRenderToFindsTheFooter(t *testing.T) {
	t.Parallel()
	tpl := mustCompile(t, "Hi {{.Contact.Name}}", `<p>Hi {{.Contact.Name}}, <a href="https://example.org/a">a</a></p><p>x</p>`, "")
	if tpl.fast == nil {
		t.Fatal("no fast path")
	}
	track := RenderOptions{TrackClick: func(u string) string { return "https://t.example.org/c?u=" + u }, OpenPixel: "https://t.example.org/o.gif"}
	var buf Buffer
	for _, opt := range []RenderOptions{{}, track, {OpenPixel: track.OpenPixel}, {TrackClick: track.TrackClick}} {
		for _, name := range []string{"Jan", "Marie-Louise van den Berg-Oosterhuis"} {
			d := Sample()
			d.Contact.Name = name
			p, at, ok, err := tpl.renderFast(&budget{ctx: context.Background(), deadline: time.Now().Add(time.Second)}, &d, opt, &buf)
			if err != nil || !ok {
				t.Fatalf("renderFast: ok %v, %v", ok, err)
			}
			if want := bytes.LastIndex(p.HTML, footerMark); at != want || want < 0 {
				t.Errorf("%s, tracked %v: footer expected at %d, it is at %d", name, opt.TrackClick != nil, at, want)
			}
			got, err := tpl.RenderTo(context.Background(), d, opt, &buf)
			if err != nil {
				t.Fatal(err)
			}
			r, err := tpl.Render(context.Background(), d, opt)
			if err != nil {
				t.Fatal(err)
			}
			if got.Subject != r.Subject || string(got.HTML) != r.HTML || string(got.Text) != r.Text {
				t.Errorf("%s: RenderTo and Render differ", name)
			}
		}
	}
}

// TestRenderCancelled: Render stops when its context is cancelled.
func TestRenderCancelled(t *testing.T) {
	t.Parallel()
	tpl := mustCompile(t, "S", `{{range .Contact.Attributes.n}}{{end}}<p>x</p>`, "")
	d := Sample()
	d.Contact.Attributes = map[string]any{"n": 90000}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tpl.Render(ctx, d, RenderOptions{}); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("want cancelled, got %v", err)
	}
	d.Contact.Attributes["n"] = 200000
	if _, err := tpl.Render(context.Background(), d, RenderOptions{}); err == nil || !strings.Contains(err.Error(), "too much work") {
		t.Fatalf("want too much work, got %v", err)
	}
	d.Contact.Attributes["n"] = 10
	if _, err := tpl.Render(context.Background(), d, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestCompileBoundsValues: a value the template builds and never prints
// is bounded like a printed part: a printf width, an argument printed many
// times, a value doubled in a loop or an escaper nested in itself would
// otherwise build gigabytes in one action (each of these builds 3 MiB to
// 32 MiB; the same with larger numbers exhausted the memory of the
// process). Each is refused with an *Error naming the part.
func TestCompileBoundsValues(t *testing.T) {
	t.Parallel()
	const mb = `{{$m := printf "%0999999d" 1}}`
	js := `"\\"`
	for range 25 {
		js = "(js " + js + ")"
	}
	cases := []struct{ name, subject, html, text, part string }{
		{"printf widths", "S", `{{$x := printf "%0999999d%0999999d%0999999d" 1 1 1}}<p>x</p>`, "", "html"},
		{"printf star width", "S", `{{$x := printf "%0*d" 3000000 1}}<p>x</p>`, "", "html"},
		{"printf precision", "S", `{{$x := printf "%.3000000f" 1.5}}<p>x</p>`, "", "html"},
		{"argument index", "S", mb + `{{$x := printf "%[1]s%[1]s%[1]s" $m}}<p>x</p>`, "", "html"},
		{"doubled in a loop", "S", `{{$x := "0123456789abcdef"}}{{range 20}}{{$x = printf "%s%s" $x $x}}{{end}}<p>x</p>`, "", "html"},
		{"print", "S", mb + `{{$x := print $m $m $m}}<p>x</p>`, "", "html"},
		{"nested js", "S", `{{$x := js ` + js + `}}<p>x</p>`, "", "html"},
		{"subject", mb + `{{$x := print $m $m $m}}S`, `<p>x</p>`, "", "subject"},
		{"text", "S", `<p>x</p>`, mb + `{{$x := printf "%s%s%s" $m $m $m}}x`, "text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compile(context.Background(), c.subject, c.html, c.text, style)
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("want *Error, got %v", err)
			}
			if te.Part != c.part || !strings.Contains(te.Msg, "larger than") {
				t.Errorf("got %s: %q, want %s: a value larger than a part", te.Part, te.Msg, c.part)
			}
		})
	}
	// Within the bound they work as before.
	tpl := mustCompile(t, `{{printf "%05d" 42}} {{upper "a"}}`, `<p>{{printf "%-4s|" "ab"}}{{js "\\"}}{{print 1 2}}</p>`, "")
	r, err := tpl.Render(context.Background(), Data{}, RenderOptions{})
	if err != nil || r.Subject != "00042 A" || !strings.Contains(r.HTML, `ab  |\\1 2`) {
		t.Errorf("render: %v %q %.300q", err, r.Subject, r.HTML)
	}
}

// TestLastLineIndex: lastLineIndex finds what bytes.LastIndex finds, over
// every arrangement of a few short lines.
func TestLastLineIndex(t *testing.T) {
	parts := []string{"\n", "-- ", "--", " ", "x", "\n-- \n"}
	var walk func(b []byte, depth int)
	n := 0
	walk = func(b []byte, depth int) {
		if got, want := lastLineIndex(b, "-- "), bytes.LastIndex(b, []byte("\n-- \n")); got != want {
			t.Errorf("lastLineIndex(%q) = %d, want %d", b, got, want)
		}
		n++
		if depth == 0 {
			return
		}
		for _, p := range parts {
			walk(append(b[:len(b):len(b)], p...), depth-1)
		}
	}
	walk(nil, 6)
	if n < 1000 {
		t.Fatalf("only %d cases", n)
	}
}
