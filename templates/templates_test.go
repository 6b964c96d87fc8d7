package templates

import (
	"context"
	"errors"
	"strings"
	"testing"
)

var style = Style{OrgName: "Stichting Voorbeeld", LogoURL: "https://example.org/logo.png", Primary: "#aa0000", Address: "Postbus 1, 3500 AA Utrecht"}

const body = `<h1>Hallo {{.Contact.Name}}</h1>
<p>Welkom in {{.Contact.Attributes.city}}. Lees <a href="https://example.org/nieuws?a=1&amp;b=2">het nieuws</a>.</p>
<ul><li>Een</li><li>Twee</li></ul>
<p>Kloppen uw gegevens?</p>
<p><a href="{{.Links.UpdateOK}}">Ja, alles klopt</a> <a href="{{.Links.UpdateChange}}">Nee, ik pas ze aan</a></p>`

func mustCompile(t testing.TB, subject, html, text string) *Template {
	t.Helper()
	tpl, err := Compile(context.Background(), subject, html, text, style)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return tpl
}

func TestRenderMergesAndEscapes(t *testing.T) {
	t.Parallel()
	tpl := mustCompile(t, "Nieuws voor {{.Contact.Name}}", body, "")
	d := Sample()
	d.Contact.Name = `Piet <script>alert(1)</script> & Co`
	r, err := tpl.Render(context.Background(), d, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "Nieuws voor Piet <script>alert(1)</script> & Co" {
		t.Errorf("subject = %q", r.Subject)
	}
	for _, want := range []string{
		"Hallo Piet &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co", "Welkom in Utrecht.",
		`href="https://example.org/r/ok/sample"`, "Stichting Voorbeeld", "#aa0000",
		`href="https://example.org/r/u/sample"`, `href="https://example.org/r/privacy/sample"`, "Postbus 1",
		`src="https://example.org/logo.png"`,
	} {
		if !strings.Contains(r.HTML, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(r.HTML, "<script>") {
		t.Error("HTML contains an unescaped <script>")
	}
	for _, want := range []string{
		"Hallo Piet <script>alert(1)</script> & Co", "het nieuws (https://example.org/nieuws?a=1&b=2)",
		"- Een\n- Twee", "Ja, alles klopt (https://example.org/r/ok/sample)",
		"Unsubscribe: https://example.org/r/u/sample", "Update your details: https://example.org/r/p/sample",
		"Privacy: https://example.org/r/privacy/sample", "Stichting Voorbeeld, Postbus 1",
	} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("Text lacks %q:\n%s", want, r.Text)
		}
	}
	if strings.Contains(r.Text, "<no value>") || strings.Contains(r.Text, "<h1>") {
		t.Errorf("Text:\n%s", r.Text)
	}
}

func TestSubjectHeaderInjection(t *testing.T) {
	t.Parallel()
	tpl := mustCompile(t, "Hi {{.Contact.Name}}", body, "")
	d := Sample()
	d.Contact.Name = "x\r\nBcc: victim@example.com"
	r, err := tpl.Render(context.Background(), d, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(r.Subject, "\r\n") {
		t.Fatalf("subject %q has CR/LF", r.Subject)
	}
	if _, err := Compile(context.Background(), "a\nb", body, "", style); err == nil {
		t.Fatal("multi-line subject accepted")
	}
}

func TestGivenTextAndMissingAttribute(t *testing.T) {
	t.Parallel()
	tpl := mustCompile(t, "S", body, "Dag {{.Contact.Name}} uit {{.Contact.Attributes.nope}}!\n")
	r, err := tpl.Render(context.Background(), Sample(), RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Text, "Dag Jan Jansen uit !\n\n-- \n") {
		t.Errorf("text = %q", r.Text)
	}
	if !strings.Contains(r.Text, "Unsubscribe: https://example.org/r/u/sample") {
		t.Errorf("text has no footer: %q", r.Text)
	}
}

func TestCompileErrorPositions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, subject, html, text string
		part                      string
		line, col                 int
	}{
		{"html parse", "S", "<p>ok</p>\n<p>{{.Contact.Name</p>", "", "html", 2, 4},
		{"html unknown field", "S", "<p>a</p>\n<p>b</p>\n<p>x {{.Contact.Nmae}}</p>", "", "html", 3, 16},
		{"subject unknown field", "Hi {{.Bogus}}", "<p>x</p>", "", "subject", 1, 6},
		{"text parse", "S", "<p>x</p>", "line one\n{{if .Contact.Name}}", "text", 2, 0},
		{"html unknown function", "S", "<p>{{nosuch .Contact.Name}}</p>", "", "html", 1, 4},
		{"empty html", "S", "  ", "", "html", 0, 0},
		{"unclosed attribute", "S", "<p>ok</p>\n<p>fine</p>\n<a href=\"{{.Links.View}}>x</a>\n<p>more</p>", "", "html", 3, 0},
		{"unclosed script", "S", "<p>ok</p>\n<script>var x = 1;\n", "", "html", 2, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compile(context.Background(), c.subject, c.html, c.text, style)
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if te.Part != c.part || te.Line != c.line || (c.col > 0 && te.Col != c.col) {
				t.Fatalf("got %s (part %s line %d col %d), want %s %d:%d", te, te.Part, te.Line, te.Col, c.part, c.line, c.col)
			}
		})
	}
}

func TestTracking(t *testing.T) {
	t.Parallel()
	tpl := mustCompile(t, "S", body, "")
	var seen []string
	r, err := tpl.Render(context.Background(), Sample(), RenderOptions{
		TrackClick: func(u string) string { seen = append(seen, u); return "https://t.example.org/c?u=" + u },
		OpenPixel:  "https://t.example.org/o/1.gif",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != "https://example.org/nieuws?a=1&b=2" {
		t.Fatalf("tracked %q, want only the news link", seen)
	}
	if !strings.Contains(r.HTML, `href="https://t.example.org/c?u=https://example.org/nieuws?a=1&amp;b=2"`) {
		t.Errorf("rewritten link missing:\n%s", r.HTML)
	}
	i, j := strings.Index(r.HTML, `src="https://t.example.org/o/1.gif"`), strings.LastIndex(r.HTML, "</body>")
	if i < 0 || i > j {
		t.Errorf("pixel missing or after </body>")
	}
	if strings.Contains(r.Text, "t.example.org") {
		t.Errorf("text part is tracked")
	}
}

func TestFullDocumentGetsFooter(t *testing.T) {
	t.Parallel()
	doc := "<html><head><style>p{color:red}</style></head><body><p>Hi {{.Contact.Name}}</p></body></html>"
	tpl := mustCompile(t, "S", doc, "")
	r, err := tpl.Render(context.Background(), Sample(), RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.HTML, "https://example.org/r/u/sample") || strings.Index(r.HTML, "data-pb-footer") > strings.Index(r.HTML, "</body>") {
		t.Errorf("footer not before </body>:\n%s", r.HTML)
	}
	if strings.Contains(r.Text, "color:red") || !strings.HasPrefix(r.Text, "Hi Jan Jansen\n") {
		t.Errorf("text = %q", r.Text)
	}
}

func TestTextConversionWithControlFlow(t *testing.T) {
	t.Parallel()
	html := `<p>Hi {{.Contact.Name | default "reader"}}</p>{{if .Contact.Attributes.city}}<p>In {{.Contact.Attributes.city}}</p>{{end}}
<ol>{{range $i, $x := .Contact.Attributes.items}}<li>{{$x}}</li>{{end}}</ol><p class="{{if .CampaignID}}a{{end}}">{{"{{"}} literal &#123;&#123; braces</p>`
	tpl := mustCompile(t, "S", html, "")
	d := Sample()
	d.Contact.Name = ""
	d.Contact.Attributes["items"] = []string{"a", "b"}
	r, err := tpl.Render(context.Background(), d, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Hi reader\n\nIn Utrecht\n\n- a\n- b\n\n{{ literal {{ braces\n\n-- \n"} {
		if !strings.Contains(r.Text, w) {
			t.Errorf("text lacks %q:\n%s", w, r.Text)
		}
	}
	if tpl.text == nil {
		t.Error("conversion fell back to per-message")
	}
}

func TestHTMLToText(t *testing.T) {
	t.Parallel()
	got := htmlToText(`<div><h2>Title</h2><p>One  two<br>three</p><table><tr><td>a</td><td>b</td></tr></table>
<ul><li>x <a href="https://e.org/">https://e.org/</a></li><li><a href="mailto:a@b.nl">mail</a></li></ul><a href="https://e.org/i"><img alt="Logo" src="l.png"></a></div>`)
	want := "Title\n\nOne two\nthree\n\na b\n\n- x https://e.org/\n- mail (a@b.nl)\n\nLogo (https://e.org/i)\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func BenchmarkRender(b *testing.B) {
	tpl := mustCompile(b, "Nieuws voor {{.Contact.Name}}", benchBody(), "")
	d := Sample()
	opt := RenderOptions{TrackClick: func(u string) string { return "https://t.example.org/c/TOKEN?u=" + u }, OpenPixel: "https://t.example.org/o/TOKEN.gif"}
	// plain and tracked render as the send path does, into a reused
	// Buffer; the -strings variants through Render (copies of the parts).
	for _, bc := range []struct {
		name string
		opt  RenderOptions
	}{{"plain", RenderOptions{}}, {"tracked", opt}} {
		b.Run(bc.name, func(b *testing.B) {
			var buf Buffer
			for b.Loop() {
				if _, err := tpl.RenderTo(context.Background(), d, bc.opt, &buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"-strings", func(b *testing.B) {
			for b.Loop() {
				if _, err := tpl.Render(context.Background(), d, bc.opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchBody is a ~19 KB newsletter body with a dozen merge fields and links
// (plus the layout's and footer's): a realistic campaign.
func benchBody() string {
	var sb strings.Builder
	sb.WriteString(`<h1>Beste {{.Contact.Name}},</h1>` + "\n")
	for i := 0; sb.Len() < 19000; i++ {
		sb.WriteString(`<p>Dit is een alinea met wat tekst over het werk van de stichting, over projecten, vrijwilligers en de plannen voor het komende jaar. Lees <a href="https://example.org/artikel">meer over dit onderwerp</a> op de website.</p>` + "\n")
		if i%16 == 0 {
			sb.WriteString(`<p>Woont u nog in {{.Contact.Attributes.city}}? Kijk dan op <a href="https://example.org/agenda?stad={{.Contact.Attributes.city}}">de agenda</a>.</p>` + "\n")
		}
	}
	sb.WriteString(`<p><a href="{{.Links.UpdateOK}}">Ja, alles klopt</a></p>`)
	return sb.String()
}

func TestUpdateButtons(t *testing.T) {
	t.Parallel()
	nl := style
	nl.Lang = "nl"
	tpl, err := Compile(context.Background(), "Kloppen uw gegevens?", `<p>Beste {{.Contact.Name}},</p>{{template "update-buttons" .}}`, "", nl)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tpl.Render(context.Background(), Sample(), RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`href="https://example.org/r/ok/sample"`, `href="https://example.org/r/change/sample"`,
		`href="https://example.org/r/remove/sample"`, "Ja, alles klopt", "Haal mij van uw lijst", "Afmelden"} {
		if !strings.Contains(r.HTML, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, want := range []string{"Ja, alles klopt: https://example.org/r/ok/sample", "Nee, ik pas ze aan: https://example.org/r/change/sample",
		"Haal mij van uw lijst: https://example.org/r/remove/sample", "Afmelden: https://example.org/r/u/sample"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, r.Text)
		}
	}
	// A given text part may use the buttons too.
	tpl, err = Compile(context.Background(), "S", `<p>x</p>`, "Hallo\n{{template \"update-buttons\" .}}", nl)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := tpl.Render(context.Background(), Sample(), RenderOptions{}); !strings.Contains(r.Text, "Ja, alles klopt: https://example.org/r/ok/sample") {
		t.Errorf("given text: %q", r.Text)
	}
}

func TestStyleValidation(t *testing.T) {
	t.Parallel()
	for _, st := range []Style{{Primary: "red;background:url(x)"}, {Text: "expression(alert(1))"}, {LogoURL: "javascript:alert(1)"}} {
		_, err := Compile(context.Background(), "S", "<p>x</p>", "", st)
		var te *Error
		if !errors.As(err, &te) || te.Part != "style" {
			t.Errorf("%+v: err = %v", st, err)
		}
	}
	for _, st := range []Style{{Primary: "#abc", Background: "white", Text: "rgb(10, 20, 30)"}, {Primary: "#A0B1C2"}} {
		if _, err := Compile(context.Background(), "S", "<p>x</p>", "", st); err != nil {
			t.Errorf("%+v: %v", st, err)
		}
	}
}
