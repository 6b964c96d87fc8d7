package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/postbode/postbode/internal/testenv"
)

const chromiumPath = "/usr/bin/chromium"

// chrome is a headless Chromium on the console, taking the README's
// screenshots and checking each screen with axe-core.
type chrome struct {
	t    *testing.T
	ctx  context.Context
	base string
	axe  string
	// shots is where screenshots go ("" takes none).
	shots string
}

func newChrome(t *testing.T, base string) *chrome {
	t.Helper()
	testenv.Tool(t, chromiumPath, "chromium")
	axe, err := os.ReadFile("../../console/testdata/axe-4.10.3.min.js")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("metrics-recording-only", true),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelA)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(cancelB)
	ctx, cancel := context.WithTimeout(bctx, 4*time.Minute)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &chrome{t: t, ctx: ctx, base: base, axe: string(axe)}
}

// do runs steps and fails the test on an error.
func (b *chrome) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		html, _ := chromedp.Run(b.ctx, chromedp.OuterHTML("main"))
		b.t.Fatalf("%s: %v\npage: %.3000s", what, err, html)
	}
}

// open navigates to a console path.
func (b *chrome) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitReady("main"))
}

// text is the text of the first element matching css.
func (b *chrome) text(css string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		html, _ := chromedp.Run(b.ctx, chromedp.OuterHTML("main"))
		b.t.Fatalf("text %s: %v\npage: %.3000s", css, err, html)
	}
	return s
}

// eval runs JavaScript in the page and returns its (awaited) value.
func eval[T any](b *chrome, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("eval %.80s: %v", js, err)
	}
	return v
}

// has reports whether an element matches css now.
func (b *chrome) has(css string) bool {
	b.t.Helper()
	return eval[bool](b, fmt.Sprintf(`document.querySelector(%q) !== null`, css))
}

// check runs axe-core on the page and fails on serious or critical
// violations; then takes the screenshot name (when screenshots are on).
func (b *chrome) check(name string) {
	b.t.Helper()
	b.audit(name)
	if b.shots == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// audit runs axe-core on the page (named name in failures) and fails on
// serious or critical violations.
func (b *chrome) audit(name string) {
	b.t.Helper()
	if !eval[bool](b, `typeof axe !== "undefined"`) {
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](b.axe+";0")); err != nil {
			b.t.Fatalf("inject axe: %v", err)
		}
	}
	v := eval[[]string](b, `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => v.id + " (" + v.impact + "): " + v.nodes.map(n => n.target.join(" ")).join(", ")))`)
	for _, s := range v {
		b.t.Errorf("axe on %s: %s", name, s)
	}
}

// login signs in with address, password and the current TOTP code.
func (b *chrome) login(email, password, code string) {
	b.t.Helper()
	b.open("/console/")
	b.do("login form", chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SetValue(chromedp.ID("email"), email), chromedp.SetValue(chromedp.ID("password"), password),
		chromedp.SetValue(chromedp.ID("code"), code))
	b.check("login")
	b.do("login", chromedp.Click(chromedp.CSS(`main button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("nav .menu")))
}

// logout ends the session with the logout button.
func (b *chrome) logout() {
	b.t.Helper()
	b.do("logout", chromedp.Click(chromedp.CSS(`form[action="/console/logout"] button`)), chromedp.WaitVisible(chromedp.ID("email")))
}

// submit clicks the submit button of the form matching css and waits for the next page.
func (b *chrome) submit(form string) {
	b.t.Helper()
	b.press(form + ` button[type="submit"]`)
}

// press clicks the button matching css and waits for the next page.
func (b *chrome) press(button string) {
	b.t.Helper()
	before := eval[string](b, `location.href + "#" + performance.timeOrigin`)
	b.do("press "+button, chromedp.Click(chromedp.CSS(button)))
	deadline := time.Now().Add(20 * time.Second)
	for {
		now, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.readyState === "complete" ? location.href + "#" + performance.timeOrigin : ""`))
		if err == nil && now != "" && now != before {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("press %s: no new page", button)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitText reloads path until the element css contains want.
func (b *chrome) waitText(path, css, want string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b.open(path)
		got, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q)||{}).innerText||""`, css)))
		if strings.Contains(got, want) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: %s has %q, want %q", path, css, got, want)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// fetchStatus makes a request from the page (with its cookie) and returns the status.
func (b *chrome) fetchStatus(method, path string, form map[string]string) int {
	b.t.Helper()
	var body []string
	for k, v := range form {
		body = append(body, fmt.Sprintf("[%q, %q]", k, v))
	}
	js := fmt.Sprintf(`fetch(%q, {method: %q, redirect: "manual", body: %s}).then(r => r.status)`, path, method,
		map[bool]string{true: "undefined", false: "new URLSearchParams([" + strings.Join(body, ",") + "])"}[method == http.MethodGet])
	return eval[int](b, js)
}
