package pages_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/internal/testenv"
)

const chromiumPath = "/usr/bin/chromium"

// A real browser (Debian's Chromium, headless, JavaScript switched off)
// follows the three buttons of the update page: each shows its choice, the
// form posts it, and the answer is recorded with the browser's IP and user
// agent.
func TestBrowserUpdateButtons(t *testing.T) {
	testenv.Tool(t, chromiumPath, "chromium")
	e := newEnv(t, envOpt{})
	l := e.list("news", "single")
	ids := map[string]int64{
		"ok":     e.contact("ok@example.org", "Olga", nil, l),
		"change": e.contact("change@example.org", "Chris", map[string]any{"city": "Delft"}, l),
		"remove": e.contact("remove@example.org", "Remco", nil, l),
	}
	camp := e.campaign("update", "<p>x</p>", []int64{l}, ids["ok"], ids["change"], ids["remove"])

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-extensions", true),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("start chromium: %v", err)
	}

	submit := chromedp.CSS(`form button[type="submit"]`)
	follow := func(who, button string, fill ...chromedp.Action[chromedp.Void]) string {
		t.Helper()
		acts := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(e.url + e.mint(rtoken.Update, ids[who], camp) + "?lang=en"),
			chromedp.WaitVisible(chromedp.ID(button)),
			chromedp.Click(chromedp.ID(button)),
			chromedp.WaitVisible(submit),
		}
		acts = append(acts, fill...)
		acts = append(acts, chromedp.Click(submit), chromedp.WaitNotPresent(chromedp.CSS("form")))
		if err := chromedp.Do(ctx, acts...); err != nil {
			t.Fatalf("%s: %v", button, err)
		}
		msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main p")))
		if err != nil {
			t.Fatalf("%s: %v", button, err)
		}
		return msg
	}

	if msg := follow("ok", "answer-ok"); !strings.Contains(msg, "Your details are confirmed") {
		t.Errorf("ok: %q", msg)
	}
	if msg := follow("change", "answer-change",
		chromedp.SetValue(chromedp.ID("name"), "Chris <b>Browser</b>"),
		chromedp.SetValue(chromedp.ID("attr-city"), "Utrecht")); !strings.Contains(msg, "Your details are saved") {
		t.Errorf("change: %q", msg)
	}
	if msg := follow("remove", "answer-remove"); !strings.Contains(msg, "You are off our lists") {
		t.Errorf("remove: %q", msg)
	}

	got := e.scalar(`SELECT string_agg(answer, ',' ORDER BY answer) FROM update_answers WHERE campaign_id = $1`, camp)
	if got != "changed,ok,remove" {
		t.Fatalf("answers %v", got)
	}
	if n := e.scalar(`SELECT name FROM contacts WHERE id = $1`, ids["change"]); n != "Chris <b>Browser</b>" {
		t.Fatalf("name %v", n)
	}
	if city := e.scalar(`SELECT attributes->>'city' FROM contacts WHERE id = $1`, ids["change"]); city != "Utrecht" {
		t.Fatalf("city %v", city)
	}
	if e.subStatus(ids["remove"], l) != "unsubscribed" {
		t.Fatal("remove did not unsubscribe")
	}
	e.flush()
	ua := e.scalar(`SELECT user_agent FROM recipient_actions WHERE contact_id = $1 AND action = 'answer-change' AND host(ip) = '127.0.0.1'`, ids["change"]).(string)
	if !strings.Contains(ua, "Chrome") {
		t.Fatalf("user agent %q", ua)
	}
}
