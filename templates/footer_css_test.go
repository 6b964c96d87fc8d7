package templates

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestCompileRefusesCSSThatHidesTheFooter: CSS in a template that could
// hide the footer with the unsubscribe link — a <style> rule on the
// footer's elements or those around it with a hiding property, a
// pseudo-element there, an element laid over it, CSS that cannot be read —
// is refused naming the html part and the footer. CSS that cannot reach the
// footer, or sets only what the footer's guard overrides, compiles.
func TestCompileRefusesCSSThatHidesTheFooter(t *testing.T) {
	t.Parallel()
	doc := func(css, body string) string {
		return `<html><head><style>` + css + `</style></head><body>` + body + `<p>Hi</p></body></html>`
	}
	bad := map[string]string{
		"universal display":      doc(`*{display:none}`, ""),
		"table display":          `<style>table{display:none!important}</style><p>Hi</p>`,
		"footer attribute":       doc(`[data-pb-footer]{visibility:hidden}`, ""),
		"off-screen link":        doc(`a{position:absolute;left:-9999px}`, ""),
		"faded body":             doc(`body{opacity:0}`, ""),
		"clipped cell":           doc(`td{height:0;overflow:hidden}`, ""),
		"huge padding":           doc(`td{padding-left:9999px}`, ""),
		"pseudo-element overlay": doc(`p::after{content:"";background:#fff}`, ""),
		"legacy pseudo-element":  doc(`a:before{content:"x"}`, ""),
		"negation":               doc(`:not(.x){display:none}`, ""),
		"inside media":           doc(`@media screen{tr{display:none}}`, ""),
		"inside supports":        doc(`@supports (display:grid){@media all{p{transform:scale(0)}}}`, ""),
		"body class":             `<html><head><style>.b{display:none}</style></head><body class="b"><p>Hi</p></body></html>`,
		"import":                 doc(`@import url(https://example.org/x.css);`, ""),
		"link stylesheet":        `<html><head><link rel="stylesheet" href="https://example.org/x.css"></head><body><p>Hi</p></body></html>`,
		"fixed overlay inline":   `<div style="position:fixed;top:0;left:0;width:100%;height:100%;background:#fff">Hi</div>`,
		"negative margin inline": `<div style="margin-bottom:-400px;background:#fff">Hi</div>`,
		"class overlay":          doc(`.cover{position:fixed;inset:0;background:#fff}`, `<div class="cover"></div>`),
		"keyframes move":         doc(`@keyframes k{to{transform:translateY(900px)}}.x{animation:k 1s forwards}`, ""),
		"comment hides rule":     doc(`/* } */ td{display:none}`, ""),
		"calc padding":           doc(`p{padding-top:calc(100vh + 1px)}`, ""),
		// Sizes and spacing that push the footer out of sight, whatever
		// the selector (pushLimit, textLimit).
		"class height":         doc(`.s{height:90000px}`, `<div class="s"></div>`),
		"class min-height":     doc(`.s{min-height:300vh}`, `<div class="s"></div>`),
		"id padding":           doc(`#s{padding:0 0 5000px}`, `<div id="s">x</div>`),
		"div margin":           doc(`div{margin-bottom:2001px}`, `<div>x</div>`),
		"huge line-height":     doc(`.s{line-height:9000px}`, `<p class="s">x</p>`),
		"unitless line-height": doc(`.s{line-height:500}`, `<p class="s">x</p>`),
		"huge font-size":       doc(`.s{font-size:40em}`, `<p class="s">x</p>`),
		"font shorthand":       doc(`.s{font:bold 900px/1 Arial}`, `<p class="s">x</p>`),
		"in inches":            doc(`.s{height:30in}`, `<div class="s"></div>`),
		"block viewport units": doc(`.s{height:500vb}`, `<div class="s"></div>`),
		"dynamic vmax":         doc(`.s{padding-top:300dvmax}`, `<div class="s"></div>`),
		"container units":      doc(`.s{min-height:900cqh}`, `<div class="s"></div>`),
		"root cap units":       doc(`.s{margin-top:900rcap}`, `<div class="s"></div>`),
		"class inside media":   doc(`@media (min-width:1px){.s{padding-top:99999px}}`, `<div class="s"></div>`),
		"max()":                doc(`.s{height:max(10px,90000px)}`, `<div class="s"></div>`),
		"calc multiplication":  doc(`.s{height:calc(100px * 900)}`, `<div class="s"></div>`),
		"custom property":      doc(`:root{--h:90000px}.s{height:var(--h)}`, `<div class="s"></div>`),
		"zoom":                 doc(`.s{zoom:200}`, `<div class="s">x</div>`),
		"aspect-ratio":         doc(`.s{width:600px;aspect-ratio:1/1000}`, `<div class="s"></div>`),
		"style attribute":      `<div style="height:90000px"></div><p>Hi</p>`,
		"stacked spacing":      doc(`.s{height:1500px;padding:300px 0;margin:100px 0}`, `<div class="s"></div>`),
		"stacked inline":       `<div style="padding:1000px 0 1001px"></div><p>Hi</p>`,
		"stacked borders":      doc(`.s{border:1000px solid #fff;border-bottom-width:1001px}`, `<div class="s"></div>`),
		"height attribute":     `<table><tr><td height="90000">x</td></tr></table><p>Hi</p>`,
		"img height":           `<img src="https://example.org/x.png" alt="" height="90000"><p>Hi</p>`,
		"cellpadding":          `<table cellpadding="5000"><tr><td>x</td></tr></table><p>Hi</p>`,
		"svg height":           `<svg height="90000" width="10"></svg><p>Hi</p>`,
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
	good := map[string]string{
		"class display":       doc(`.hero{display:none}.footer{display:none}`, `<div class="hero">x</div>`),
		"element reset":       doc(`body{margin:0!important;padding:0!important;width:100%!important}p{margin:0 0 10px;color:#333}`, ""),
		"email client resets": doc(`table,td{mso-table-lspace:0pt;border-collapse:collapse}img{border:0;height:auto;display:block}a[x-apple-data-detectors]{color:inherit!important}`, ""),
		"guarded properties":  doc(`a{color:#ffffff!important}td{font-size:0!important;line-height:0}*{color:transparent;font-family:Blank}`, ""),
		"media for a class":   doc(`@media (max-width:600px){.col{display:block!important;width:100%!important}}@font-face{font-family:X;src:url(https://example.org/x.woff2)}`, ""),
		"relative position":   `<div style="position:relative;margin:8px 0">Hi</div>`,
		// Ordinary newsletter sizes stay within the bounds.
		"newsletter sizes": doc(`.wrap{width:100%;max-width:640px;margin:0 auto;padding:24px 16px}.hero{height:420px;min-height:50vh;background-size:cover}`+
			`.hero h1{font:700 48px/1.2 Georgia,serif;letter-spacing:-1px}.spacer{height:2000px}.col{width:calc(50% - 12px);padding-bottom:56.25%}`+
			`h2{font-size:150%;line-height:1.4;margin:32px 0 12px}.big{font-size:200px;line-height:200px}.r{aspect-ratio:16/9;zoom:1}:root{--gap:24px}`,
			`<div class="wrap"><div class="hero"><h1>News</h1></div><div class="spacer"></div></div>`),
		"newsletter attributes": `<table width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td width="600" height="2000">` +
			`<img src="https://example.org/x.png" alt="" width="600" height="1200"></td></tr></table><p>Hi</p>`,
	}
	for name, body := range good {
		if _, err := Compile(context.Background(), "S", body, "", style); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
