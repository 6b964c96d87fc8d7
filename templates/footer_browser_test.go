package templates

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/postbode/postbode/internal/testenv"
)

const chromiumPath = "/usr/bin/chromium"

// footerLink is what a browser shows of one footer link.
type shownLink struct {
	Text                                 string
	Visibility, Display, Color, Fill, BG string
	Opacity, FontSize, Width, Height, X  float64
	Y                                    float64 // from the top of the page
	OnTop                                bool
}

const footerProbe = `(() => JSON.stringify([...document.querySelectorAll('table[data-pb-footer] a')].map(a => {
	a.scrollIntoView({block: 'center', inline: 'center'});
	const s = getComputedStyle(a), r = a.getClientRects()[0]; // the first line of the link
	const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
	return {Text: a.textContent, Visibility: s.visibility, Display: s.display, Color: s.color, Fill: s.webkitTextFillColor,
		BG: getComputedStyle(a.closest('td')).backgroundColor, Opacity: +s.opacity, FontSize: parseFloat(s.fontSize),
		Width: r.width, Height: r.height, X: r.left + scrollX, Y: r.top + scrollY, OnTop: hit === a || a.contains(hit)};
})))()`

// TestBrowserShowsTheGuardedFooter: templates whose CSS Compile accepts —
// rules that recolour, shrink, squeeze or re-font every element, and a
// class rule named like a footer — still show every footer link in a real
// browser (Debian's Chromium, headless): visible, full size, in its own
// colour on its own background, on screen and not covered. The largest
// sizes Compile allows push the footer down by at most pushLimit.
func TestBrowserShowsTheGuardedFooter(t *testing.T) {
	testenv.Tool(t, chromiumPath, "chromium")
	hostile := `a,p,td,tr,tbody,table,body,*{color:#f4f4f4!important;background:#f4f4f4!important;font-size:1px!important;line-height:0!important;` +
		`font-family:Blank!important;letter-spacing:-3px!important;word-spacing:-9px!important;text-decoration:none!important;` +
		`padding:0!important;margin:0!important;width:1px!important;height:0!important;max-width:1px!important;border-width:0!important}`
	bodies := map[string]string{
		"fragment":                 `<style>` + hostile + `</style><p>Hi</p>`,
		"document":                 `<html><head><style>` + hostile + `.footer{display:none}</style></head><body class="page"><p>Hi</p></body></html>`,
		"link-coloured background": `<style>a,p,td{background:#aa0000!important;color:#aa0000!important}td{background-image:url(data:image/gif;base64,R0lGODlhAQABAIAAAKoAAP///ywAAAAAAQABAAACAkQBADs=)!important}</style><p>Hi</p>`,
		"no tricks":                `<p>Hi</p>`,
		"largest allowed sizes":    `<style>.s{height:1000px;padding:400px 0;margin:100px 0;border:0}</style><div class="s"></div><p>Hi</p>`,
	}
	docs := map[string]string{}
	for name, body := range bodies {
		tpl, err := Compile(context.Background(), "S", body, "", style)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r, err := tpl.Render(context.Background(), Sample(), RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		docs["/"+name] = r.HTML
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(docs[r.URL.Path]))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(800, 600),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-extensions", true),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	for name := range bodies {
		if _, err := chromedp.Run(ctx, chromedp.Navigate("http://"+ln.Addr().String()+"/"+name)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out, err := chromedp.Run(ctx, chromedp.Evaluate[string](footerProbe))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var links []shownLink
		if err := json.Unmarshal([]byte(out), &links); err != nil {
			t.Fatal(err)
		}
		if len(links) != 4 {
			t.Fatalf("%s: %d footer links, want 4", name, len(links))
		}
		if name == "largest allowed sizes" {
			// The page without the spacer puts the footer about 400px
			// down; the spacer adds pushLimit.
			if y := links[0].Y; y < pushLimit || y > pushLimit+1000 {
				t.Errorf("%s: footer at %.0fpx, want within %d of the top", name, y, pushLimit+1000)
			}
		}
		for _, l := range links {
			if l.Visibility != "visible" || l.Display == "none" || l.Opacity != 1 || l.FontSize < 12 || l.Color == l.BG ||
				l.Fill != l.Color || l.Width < 20 || l.Height < 10 || l.X < 0 || !l.OnTop {
				t.Errorf("%s: footer link %q is not shown: %+v", name, l.Text, l)
			}
		}
	}
}
