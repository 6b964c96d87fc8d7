package campaigns_test

import (
	"regexp"
	"testing"

	"github.com/postbode/postbode/internal/rtoken"
)

// TestPreviewLinksNameNoContact: a preview is read with contacts.read, and
// a link that names the contact would let its reader act for the contact
// on the recipient pages (unsubscribe, change the details, ask for
// erasure without verification). A preview's links, like a test send's,
// carry a test token that names nobody.
func TestPreviewLinksNameNoContact(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	l := e.list("news")
	ids := e.contacts("api", 1, "confirmed", l)
	code, out := e.do("marketer", "POST", "/api/v1/campaigns", map[string]any{"name": "March",
		"subject": "Hi {{.Contact.Name}}", "html": `<p>Hi {{.Contact.Name}} <a href="{{.Links.UpdateOK}}">ok</a></p>`,
		"from_name": "News", "from_email": "news@news.example.com", "lists": []string{"news"}})
	if code != 201 {
		t.Fatalf("create: %d %v", code, out)
	}
	id := itoa(int64(out["id"].(float64)))
	code, out = e.do("marketer", "GET", "/api/v1/campaigns/"+id+"/preview?contact_id="+itoa(ids[0]), nil)
	if code != 200 {
		t.Fatalf("preview: %d %v", code, out)
	}
	purposes := map[byte]rtoken.Purpose{'u': rtoken.Unsubscribe, 'p': rtoken.Update, 'r': rtoken.Privacy, 'v': rtoken.View}
	link := regexp.MustCompile(`https://pb\.example\.com/([uprv])/([A-Za-z0-9_.-]+)`)
	n := 0
	for _, part := range []string{"html", "text"} {
		for _, m := range link.FindAllStringSubmatch(out[part].(string), -1) {
			n++
			c, err := e.keys.Parse(m[2], purposes[m[1][0]])
			if err != nil {
				t.Errorf("%s: link /%s/ does not verify: %v", part, m[1], err)
				continue
			}
			if c.ContactID != 0 || !c.Test {
				t.Errorf("%s: link /%s/ names contact %d (test %v), want a test token naming nobody", part, m[1], c.ContactID, c.Test)
			}
		}
	}
	if n < 6 {
		t.Errorf("found %d recipient links in the preview, want the footer's and the body's", n)
	}
}
