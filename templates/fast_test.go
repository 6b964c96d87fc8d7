package templates

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestFastPathMatchesHTMLTemplate renders with both paths and compares.
func TestFastPathMatchesHTMLTemplate(t *testing.T) {
	t.Parallel()
	bodies := map[string]string{
		"newsletter": body,
		"bench":      benchBody(),
		"conditions": `<p>Hi {{.Contact.Name | default "reader"}}</p>{{if .Contact.Attributes.city}}<p>In {{.Contact.Attributes.city}}</p>{{else if .Contact.Attributes.country}}<p>{{.Contact.Attributes.country}}</p>{{else}}<p>nowhere</p>{{end}}
<p title="{{.Contact.Name}}">{{upper .Contact.Name}} ({{.Contact.ID}}, {{.CampaignID}}, {{.CampaignName}}) {{attr .Contact "age"}}</p>
<a href="{{.Contact.Attributes.site}}">site</a> <a href="https://example.org/p/{{.Contact.Attributes.slug}}?q={{.Contact.Attributes.q}}&amp;n={{.Contact.Name}}">page</a>
{{- if .Links.View}}<a href="{{.Links.View}}">view</a>{{end -}}
<p>{{/* a comment */}}{{"literal"}} &amp; done</p>`,
		"update mailing": `<p>Kloppen uw gegevens, {{.Contact.Name}}?</p>{{template "update-buttons" .}}<p>Dank!</p>`,
		"full document":  `<!DOCTYPE html><html><head><title>{{.CampaignName}}</title></head><body><p>Hi {{.Contact.Name}}</p></body></html>`,
	}
	datas := []Data{Sample(), {}, func() Data {
		d := Sample()
		d.Contact.Name = `<b>"O'Brien" & Sons + co</b>` + "\x00é"
		d.CampaignName = "<Nieuws & meer>"
		d.Contact.Attributes = map[string]any{"city": "", "country": "NL <x>", "age": 42, "site": "javascript:alert(1)",
			"slug": "a b/é?&", "q": "x&y=z #1"}
		d.Links.View = ""
		return d
	}(), func() Data {
		d := Sample()
		d.Contact.Attributes = map[string]any{"site": "https://example.org/?a=1&b=<2>", "slug": "%41%zz"}
		return d
	}()}
	for name, src := range bodies {
		for _, text := range []string{"", "Text for {{.Contact.Name}}{{if .Contact.Attributes.city}} in {{.Contact.Attributes.city}}{{end}}.\n"} {
			tpl := mustCompile(t, "Hi {{.Contact.Name}} {{.Contact.Attributes.city}}", src, text)
			if tpl.fast == nil {
				t.Errorf("%s: no fast path", name)
				continue
			}
			for i, d := range datas {
				for _, opt := range []RenderOptions{{}, {TrackClick: func(u string) string { return "https://t.example/" + u }, OpenPixel: "https://t.example/o.gif"}} {
					bg := newBudget(context.Background(), RenderTime)
					slow, err := renderSlowStrings(tpl, &bg, d, opt)
					if err != nil {
						t.Fatal(err)
					}
					fast, ok, _ := renderFastStrings(tpl, &bg, &d, opt)
					if !ok {
						t.Fatalf("%s data %d: fast path failed", name, i)
					}
					if fast != slow {
						diff(t, name+" subject", fast.Subject, slow.Subject)
						diff(t, name+" html", fast.HTML, slow.HTML)
						diff(t, name+" text", fast.Text, slow.Text)
					}
				}
			}
		}
	}
}

func diff(t *testing.T, what, a, b string) {
	t.Helper()
	if a == b {
		return
	}
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	t.Errorf("%s differs at %d:\nfast: %q\nslow: %q", what, i, a[from:min(len(a), i+80)], b[from:min(len(b), i+80)])
}

func TestFastPathFallsBack(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`<ul>{{range .Contact.Attributes.items}}<li>{{.}}</li>{{end}}</ul>`,
		`{{with .Contact.Name}}<p>{{.}}</p>{{end}}`,
		`<p style="color:{{.Contact.Attributes.color}}">x</p>`,
		`<script>var n = {{.Contact.Name}};</script>`,
		"<p>\uE000</p>",
	} {
		tpl := mustCompile(t, "S", src, "")
		if tpl.fast != nil {
			t.Errorf("%q: fast path used", src)
		}
		if _, err := tpl.Render(context.Background(), Sample(), RenderOptions{}); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
	if !strings.Contains(benchBody(), "{{") {
		t.Fatal("bench body has no merge fields")
	}
}

// TestFastPathConcurrent builds variants from many goroutines at once (run
// with -race).
func TestFastPathConcurrent(t *testing.T) {
	t.Parallel()
	tpl := mustCompile(t, "S {{.Contact.Name}}", `{{if .Contact.Attributes.a}}A{{end}}{{if .Contact.Attributes.b}}B{{end}}{{if .Contact.Attributes.c}}C{{end}}<p>{{.Contact.Name}}</p>`, "")
	if tpl.fast == nil {
		t.Fatal("no fast path")
	}
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 40; i++ {
				d := Sample()
				d.Contact.Attributes = map[string]any{"a": i&1 != 0, "b": i&2 != 0, "c": i&4 != 0}
				bg := newBudget(context.Background(), RenderTime)
				fast, ok, _ := renderFastStrings(tpl, &bg, &d, RenderOptions{})
				slow, err := renderSlowStrings(tpl, &bg, d, RenderOptions{})
				if !ok || err != nil || fast != slow {
					t.Errorf("mismatch for %v", d.Contact.Attributes)
					return
				}
			}
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
}

// renderSlowStrings is renderSlow into a fresh Buffer, as strings.
func renderSlowStrings(tpl *Template, bg *budget, d Data, opt RenderOptions) (Rendered, error) {
	p, err := tpl.renderSlow(bg, d, opt, new(Buffer))
	return Rendered{Subject: p.Subject, HTML: string(p.HTML), Text: string(p.Text)}, err
}

// renderFastStrings is renderFast into a fresh Buffer, as strings.
func renderFastStrings(tpl *Template, bg *budget, d *Data, opt RenderOptions) (Rendered, bool, error) {
	p, _, ok, err := tpl.renderFast(bg, d, opt, new(Buffer))
	return Rendered{Subject: p.Subject, HTML: string(p.HTML), Text: string(p.Text)}, ok, err
}

// TestProcessURL checks the escaper and the normaliser against the byte
// by byte rule of html/template's urlProcessor they copy, on URLs that
// need nothing and on random bytes.
func TestProcessURL(t *testing.T) {
	t.Parallel()
	ref := func(s string, norm bool) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			c := s[i]
			keep := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 ||
				norm && strings.IndexByte("!#$&*+,/:;=?@[]", c) >= 0 ||
				norm && c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2])
			if keep {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "%%%02x", c)
			}
		}
		return b.String()
	}
	alphabet := "aZ09-._~!#$&*+,/:;=?@[]% <>\"'\\^`{|}\x00\x7f\xc3\xa9"
	rng := rand.New(rand.NewPCG(7, 8))
	inputs := []string{"", "https://pb.example.org/u/AQF1abc_-x.Yz?answer=ok", "%41%zz%4", "a b"}
	for range 100000 {
		b := make([]byte, rng.IntN(16))
		for k := range b {
			b[k] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
	}
	for _, s := range inputs {
		for _, norm := range []bool{false, true} {
			if got, want := processURL(s, norm), ref(s, norm); got != want {
				t.Fatalf("processURL(%q, %v) = %q, want %q", s, norm, got, want)
			}
		}
	}
	// A link with a token goes through the normaliser as it is.
	if u := "https://pb.example.org/u/AQF1abc_-x.Yz?answer=ok"; processURL(u, true) != u {
		t.Errorf("normalised %q", u)
	}
}
