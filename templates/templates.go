// Package templates is in charge of message templates: the house-style HTML
// layout, per-campaign subject, HTML and text bodies with merge fields, the
// automatic footer (unsubscribe, update-your-details and privacy links), the
// plain-text alternative generated from the HTML, click and open tracking, and
// safe rendering (html/template contexts; subjects without CR/LF).
//
// A campaign template is compiled once (parsed, converted, validated by a dry
// render of Sample()) and rendered per contact; Render reuses buffers and does
// no parsing, so a 20 KB message renders in tens of microseconds.
//
// Merge fields (Data):
//
//	{{.Contact.Name}} {{.Contact.Email}} {{.Contact.Attributes.city}}
//	{{.CampaignName}} {{.Links.Unsubscribe}} {{.Links.Update}} {{.Links.Privacy}}
//	{{.Links.View}} {{.Links.UpdateOK}} {{.Links.UpdateChange}} {{.Links.UpdateRemove}}
//
// Functions: default ("{{.Contact.Name | default "reader"}}"), upper, lower, attr
// ("{{attr .Contact "city"}}", empty when missing).
package templates

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"sync"
	texttemplate "text/template"
)

// Contact is the recipient a message is rendered for.
type Contact struct {
	ID         int64
	Email      string
	Name       string
	Attributes map[string]any
}

// Links are the per-recipient URLs (each carrying a signed token).
type Links struct {
	Unsubscribe, Update, Privacy, View string
	// Update-mailing buttons: "Yes, all correct", "No, I'll change them",
	// "Take me off your list".
	UpdateOK, UpdateChange, UpdateRemove string
}

// Data is what a template is rendered with.
type Data struct {
	Contact      Contact
	CampaignID   int64
	CampaignName string
	Links        Links
}

// Style is the house style of the sending organisation (from config).
type Style struct {
	// OrgName is shown in the header (when there is no logo) and the footer.
	OrgName string
	// LogoURL is an https URL of the logo image; optional.
	LogoURL string
	// Primary, Background and Text are CSS colours (#rgb, #rrggbb or a
	// name); optional, defaults #0b5394, #f4f4f4 and #222222.
	Primary, Background, Text string
	// Address is the postal address shown in the footer; optional.
	Address string
	// Lang is the footer language: en or nl; optional, default en.
	Lang string
}

// RenderOptions tune one Render call.
type RenderOptions struct {
	// TrackClick, when set, maps each http(s) link of the HTML part (except
	// the recipient-action links of Data.Links) to a tracking URL.
	TrackClick func(url string) string
	// OpenPixel, when set, is the URL of a 1x1 image added to the HTML part.
	OpenPixel string
}

// Rendered is one rendered message.
type Rendered struct {
	// Subject is a single line (CR, LF and other control characters replaced by spaces).
	Subject string
	// HTML is the complete HTML document with footer.
	HTML string
	// Text is the plain-text alternative with footer.
	Text string
}

// Error is a template error with its position.
type Error struct {
	// Part is subject, html, text or style.
	Part string
	// Line and Col are 1-based; Col is 0 when unknown.
	Line, Col int
	Msg       string
}

// Message is the error as the person who wrote the template reads it,
// the part being named elsewhere (the form's field, the API's field):
// "line 1, column 14: unknown field Nam; known: ID, Email, Name, Attributes".
func (e *Error) Message() string {
	switch {
	case e.Col > 0:
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

func (e *Error) Error() string {
	if e.Col > 0 {
		return fmt.Sprintf("templates: %s:%d:%d: %s", e.Part, e.Line, e.Col, e.Msg)
	}
	if e.Line > 0 {
		return fmt.Sprintf("templates: %s:%d: %s", e.Part, e.Line, e.Msg)
	}
	return fmt.Sprintf("templates: %s: %s", e.Part, e.Msg)
}

// Template is a compiled campaign template; safe for concurrent use.
type Template struct {
	// subject, html and text are the instrumented originals; they are
	// never executed, each render takes a clone from sets.
	subject *texttemplate.Template
	html    *htmltemplate.Template
	// text renders the plain-text body (given, or converted from the HTML
	// source at Compile time); nil means convert the rendered HTML per message.
	text       *texttemplate.Template
	generated  bool // text was converted from the HTML: tidy blank lines per message
	textFooter *texttemplate.Template
	fast       *fastTemplate // nil: html/template path only
	bufs       sync.Pool
	sets       chan *execSet
}

// Sample returns the contact data templates are validated with.
func Sample() Data {
	base := "https://example.org/r/"
	return Data{
		Contact: Contact{ID: 1, Email: "jan.jansen@example.org", Name: "Jan Jansen",
			Attributes: map[string]any{"first_name": "Jan", "last_name": "Jansen", "city": "Utrecht", "member_since": 2019}},
		CampaignID: 1, CampaignName: "Sample campaign",
		Links: Links{Unsubscribe: base + "u/sample", Update: base + "p/sample", Privacy: base + "privacy/sample",
			View: base + "v/sample", UpdateOK: base + "ok/sample", UpdateChange: base + "change/sample",
			UpdateRemove: base + "remove/sample"},
	}
}

// Compile parses subject, html and text (text optional: generated from html
// when empty) inside the house style, and validates them by rendering
// Sample(), within CompileTime and the render limits. Every failing part is
// reported, not only the first: the error is one *Error (part and position)
// per failing part, in the order subject, html, text, joined (Errors lists
// them; errors.As finds the first). A cancelled ctx stops the work.
func Compile(ctx context.Context, subject, html, text string, style Style) (*Template, error) {
	style = style.withDefaults()
	if err := style.validate(); err != nil {
		return nil, err
	}
	b := newBudget(ctx, CompileTime)
	t := &Template{sets: make(chan *execSet, setPoolSize)}
	t.bufs.New = func() any { return new(Buffer) }
	// A part that does not parse is replaced by a stand-in, so the others
	// are still parsed and dry-rendered and their errors reported too.
	var bad partErrors
	var err error
	if e := checkSubject(subject); e != nil {
		bad.add(e)
	} else if t.subject, err = texttemplate.New("subject").Funcs(textFuncs).Parse(subject); err != nil {
		bad.add(toError(err, "subject", subject))
	}
	if t.subject == nil {
		t.subject = texttemplate.Must(texttemplate.New("subject").Funcs(textFuncs).Parse(standIn))
	}
	if strings.TrimSpace(html) == "" {
		bad.add(&Error{Part: "html", Msg: "required"})
	} else if err := checkDefines(html); err != nil {
		bad.add(err)
	} else if t.html, err = parseHTML(html, style); err != nil {
		bad.add(toError(err, "html", html))
	}
	if t.html == nil {
		html = standIn
		if t.html, err = parseHTML(html, style); err != nil {
			return nil, fmt.Errorf("templates: stand-in: %w", err)
		}
	}
	if t.textFooter, err = texttemplate.New("footer").Parse(textFooter(style)); err != nil {
		return nil, fmt.Errorf("templates: footer: %w", err)
	}
	textSrc := text
	if text != "" {
		if t.text, err = parseText(text, style); err != nil {
			bad.add(toError(err, "text", text))
			text, textSrc = standIn, standIn
			t.text, _ = parseText(standIn, style)
		}
	} else if src, ok := htmlSourceToText(html); ok {
		// A conversion that does not parse (unusual markup around actions)
		// falls back to converting each rendered message.
		t.text, _ = parseText(src, style)
		t.generated, textSrc = t.text != nil, src
	}
	t.instrument()
	if err := t.validate(&b, subject, html, text, &bad); err != nil {
		return nil, err
	}
	if err := bad.err(); err != nil {
		return nil, err
	}
	if t.text != nil {
		t.fast = compileFast(&b, subject, html, textSrc, style)
		if err := b.check(); err != nil {
			return nil, limitError(err, "html")
		}
	}
	return t, nil
}

// standIn takes the place of a part that does not parse while the other
// parts are checked.
const standIn = "-"

// checkSubject checks the subject before it is parsed: one line, not empty.
func checkSubject(subject string) *Error {
	if strings.ContainsAny(subject, "\r\n") {
		return &Error{Part: "subject", Line: 1, Col: strings.IndexAny(subject, "\r\n") + 1, Msg: "must be a single line"}
	}
	if strings.TrimSpace(subject) == "" {
		return &Error{Part: "subject", Msg: "required"}
	}
	return nil
}

// partErrors are the failing parts of a template, at most one error each.
type partErrors struct {
	failed map[string]error
}

// add records e for its part unless the part failed already.
func (p *partErrors) add(e error) {
	var te *Error
	part := "html"
	if errors.As(e, &te) {
		part = te.Part
	}
	if p.failed == nil {
		p.failed = map[string]error{}
	}
	if _, ok := p.failed[part]; !ok {
		p.failed[part] = e
	}
}

func (p *partErrors) has(part string) bool { _, ok := p.failed[part]; return ok }

// err joins the errors in part order (subject, html, text); nil when none.
func (p *partErrors) err() error {
	var out []error
	for _, part := range []string{"subject", "html", "text"} {
		if e, ok := p.failed[part]; ok {
			out = append(out, e)
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return errors.Join(out...)
}

// Errors are the *Error of every failing part in err (Compile joins them
// when several parts fail), in the order subject, html, text.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		var te *Error
		switch x := err.(type) {
		case nil:
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				walk(e)
			}
		default:
			if errors.As(err, &te) {
				out = append(out, te)
			}
		}
	}
	walk(err)
	return out
}

// parseText parses a text part with the text definitions (update-buttons).
func parseText(src string, style Style) (*texttemplate.Template, error) {
	t, err := texttemplate.New("text").Funcs(textFuncs).Parse(src)
	if err != nil {
		return nil, err
	}
	if t.Lookup("update-buttons") == nil {
		if _, err := t.New("defs").Parse(textDefs(style)); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// validate dry-renders Sample() and records the execution errors of the
// parts that parsed, with positions, in bad; the rendered message's footer
// is checked when every part rendered. A budget or internal failure is
// returned.
func (t *Template) validate(bg *budget, subject, html, text string, bad *partErrors) error {
	d := Sample()
	s, err := t.getSet(bg)
	if err != nil {
		return err
	}
	parsed := !bad.has("subject") && !bad.has("html") && !bad.has("text")
	b := new(bytes.Buffer)
	// The budget is shared by the parts: one that runs out of it ends the
	// check with that part's error.
	if err := s.subject.Execute(limitWriter{b, MaxSubjectBytes}, d); err != nil && !bad.has("subject") {
		if le := limitError(err, "subject"); le != nil {
			return le
		}
		bad.add(toError(err, "subject", subject))
	}
	b.Reset()
	if bad.err() != nil && s.b.spent() {
		return nil
	}
	if err := s.html.Execute(limitWriter{b, MaxPartBytes}, d); err != nil && !bad.has("html") {
		if le := limitError(err, "html"); le != nil {
			return le
		}
		te := toError(err, "html", html)
		if te.Line == 0 {
			if line := unclosedLine(bg, html); line > 0 {
				te.Line, te.Col = line, 0
				te.Msg = "the HTML ends inside a tag, an attribute value, a comment or a <script>/<style> element that starts on this line (unclosed quote or element?)"
			}
		}
		bad.add(te)
	}
	// A text converted from an HTML body that failed shares its mistakes;
	// a part that failed may have used up the budget: the text is then
	// not checked, rather than blamed for them.
	if s.text != nil && !(text == "" && bad.has("html")) && (bad.err() == nil || !s.b.spent()) {
		b.Reset()
		if err := s.text.Execute(limitWriter{b, MaxPartBytes}, d); err != nil && !bad.has("text") {
			if le := limitError(err, "text"); le != nil {
				return le
			} else if text != "" {
				bad.add(toError(err, "text", text))
			} else {
				t.text = nil // generated conversion failed: convert per message
				t.dropSets()
				s = nil
			}
		}
	}
	if s != nil {
		t.putSet(s)
	}
	if bad.err() != nil || !parsed {
		return nil
	}
	p, err := t.render(bg, &d, RenderOptions{TrackClick: func(u string) string { return u }, OpenPixel: "https://example.org/o.gif"}, new(Buffer))
	if err != nil {
		bad.add(err)
		return nil
	}
	if err := checkFooter(string(p.HTML), fullDocRE.MatchString(html)); err != nil {
		bad.add(err)
	}
	return nil
}

// Render renders the message for one contact, within RenderTime, MaxSteps
// and the size limits, and checks the footer links are in both parts; a
// cancelled ctx stops it.
func (t *Template) Render(ctx context.Context, d Data, opt RenderOptions) (Rendered, error) {
	buf := t.bufs.Get().(*Buffer)
	defer t.putBuf(buf)
	p, err := t.RenderTo(ctx, d, opt, buf)
	return Rendered{Subject: p.Subject, HTML: string(p.HTML), Text: string(p.Text)}, err
}

// Buffer is the memory messages are rendered into: one goroutine renders
// message after message into the same Buffer, so a 30 KB message costs no
// new buffers and no copies. The zero value is ready to use.
type Buffer struct {
	subject, html, text, footer, tracked bytes.Buffer
}

// maxPooledBuf: Buffers grown larger than this are left to the garbage
// collector rather than kept.
const maxPooledBuf = 1 << 20

// Cap is the memory b holds, in bytes: a pool may drop a Buffer grown large.
func (b *Buffer) Cap() int {
	return b.subject.Cap() + b.html.Cap() + b.text.Cap() + b.footer.Cap() + b.tracked.Cap()
}

// Parts is a message rendered into a Buffer. HTML and Text are the
// Buffer's bytes: they are valid until the Buffer's next use.
type Parts struct {
	// Subject is a single line (as Rendered.Subject).
	Subject string
	// HTML is the complete HTML document with footer.
	HTML []byte
	// Text is the plain-text alternative with footer.
	Text []byte
}

// RenderTo is Render into buf: the parts are buf's bytes, not copies (the
// send path composes from them before rendering the next message).
func (t *Template) RenderTo(ctx context.Context, d Data, opt RenderOptions, buf *Buffer) (Parts, error) {
	b := newBudget(ctx, RenderTime)
	return t.render(&b, &d, opt, buf)
}

func (t *Template) render(b *budget, d *Data, opt RenderOptions, buf *Buffer) (Parts, error) {
	if t.fast != nil {
		p, footerAt, ok, err := t.renderFast(b, d, opt, buf)
		if err != nil {
			return Parts{}, err
		}
		if ok {
			return p, verify(p, footerAt, &d.Links)
		}
	}
	p, err := t.renderSlow(b, *d, opt, buf)
	if err != nil {
		return p, err
	}
	return p, verify(p, -1, &d.Links)
}

// renderFast renders with the compiled programs; ok is false when a
// variant could not be built (then the html/template path renders).
// footerAt is where the HTML footer is expected to start (-1: unknown).
func (t *Template) renderFast(b *budget, d *Data, opt RenderOptions, buf *Buffer) (Parts, int, bool, error) {
	subject, html, text, footer := &buf.subject, &buf.html, &buf.text, &buf.footer
	subject.Reset()
	html.Reset()
	text.Reset()
	footer.Reset()
	footerAt, err := t.fast.render(b, d, subject, html, text, footer)
	if err != nil {
		if le := limitError(err, "html"); le != nil {
			return Parts{}, -1, false, le
		}
		return Parts{}, -1, false, nil
	}
	var p Parts
	p.Subject = cleanSubject(subject.Bytes())
	p.HTML = html.Bytes()
	if opt.TrackClick != nil || opt.OpenPixel != "" {
		p.HTML, footerAt = rewriteLinks(&buf.tracked, p.HTML, d.Links, opt, footerAt)
	}
	tidyText(text, t.generated)
	text.Write(footer.Bytes())
	p.Text = text.Bytes()
	return p, footerAt, true, nil
}

// renderSlow renders with html/template and text/template.
func (t *Template) renderSlow(bg *budget, d Data, opt RenderOptions, buf *Buffer) (Parts, error) {
	s, err := t.getSet(bg)
	if err != nil {
		return Parts{}, err
	}
	defer t.putSet(s)
	var p Parts
	b := &buf.subject
	b.Reset()
	if err = s.subject.Execute(limitWriter{b, MaxSubjectBytes}, d); err != nil {
		return p, execError(err, "subject")
	}
	p.Subject = cleanSubject(b.Bytes())
	hb := &buf.html
	hb.Reset()
	if err = s.html.Execute(limitWriter{hb, MaxPartBytes}, d); err != nil {
		return p, execError(err, "html")
	}
	html := hb.Bytes()
	tb := &buf.text
	tb.Reset()
	if s.text == nil {
		conv, err := convertBody(s, d)
		if err != nil {
			return p, err
		}
		tb.WriteString(conv)
	}
	if opt.TrackClick != nil || opt.OpenPixel != "" {
		html, _ = rewriteLinks(&buf.tracked, html, d.Links, opt, -1)
	}
	p.HTML = html
	if s.text != nil {
		if err := s.text.Execute(limitWriter{tb, MaxPartBytes}, d); err != nil {
			return p, execError(err, "text")
		}
		tidyText(tb, t.generated)
	}
	if err := t.textFooter.Execute(tb, d); err != nil {
		return p, fmt.Errorf("templates: text footer: %w", err)
	}
	p.Text = noValue(tb.Bytes())
	return p, nil
}

// execError is a failed execution of part at Render.
func execError(err error, part string) error {
	if le := limitError(err, part); le != nil {
		return le
	}
	return fmt.Errorf("templates: %s: %w", part, err)
}

// convertBody renders the body alone and converts it to text (the slow
// path, for markup the Compile-time conversion could not handle).
func convertBody(s *execSet, d Data) (string, error) {
	var b bytes.Buffer
	if err := s.html.ExecuteTemplate(limitWriter{&b, MaxPartBytes}, "body", d); err != nil {
		return "", execError(err, "html")
	}
	return htmlToText(b.String()), nil
}

func (t *Template) putBuf(b *Buffer) {
	if b.Cap() <= maxPooledBuf {
		t.bufs.Put(b)
	}
}

// cleanSubject turns control characters (CR, LF, tab, ...) into spaces and
// trims: a merge field can never inject a header.
func cleanSubject(b []byte) string {
	b = noValue(b)
	for i, c := range b {
		if c < 0x20 || c == 0x7f {
			b[i] = ' '
		}
	}
	return strings.TrimSpace(string(b))
}

var noValueText = []byte("<no value>")

// noValue removes text/template's "<no value>" (a missing map key such as an
// unset contact attribute) so it renders as empty.
func noValue(b []byte) []byte {
	if bytes.Contains(b, noValueText) {
		return bytes.ReplaceAll(b, noValueText, nil)
	}
	return b
}

// tidyText trims the text part and ends it with one newline; for generated
// text it also drops the blank lines a false {{if}} leaves (at most one blank
// line in a row, none at the start).
func tidyText(b *bytes.Buffer, generated bool) {
	all := b.Bytes()
	s := bytes.TrimRight(all, " \t\r\n")
	if generated {
		s = bytes.TrimLeft(s, "\n")
		if bytes.Contains(s, []byte("\n\n\n")) {
			w, nl := 0, 0
			for _, c := range s {
				if c == '\n' {
					if nl++; nl > 2 {
						continue
					}
				} else {
					nl = 0
				}
				s[w] = c
				w++
			}
			s = s[:w]
		}
	}
	if len(s) > 0 && &s[0] != &all[0] {
		copy(all, s) // left-trimmed: move down (copy handles the overlap)
	}
	b.Truncate(len(s))
	b.WriteByte('\n')
}
