package pages

// Handlers: tracking (/o/{token}, /l/{token}) and view in browser (/v/{token}).

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	xhtml "golang.org/x/net/html"

	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/optin"
)

// gif is a transparent 1x1 GIF.
var gif = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// open answers every request with the pixel (an image must never show an
// error page); a valid token records the first open.
func (s *Server) open(w http.ResponseWriter, r *http.Request) {
	if c, err := s.keys().Parse(r.PathValue("token"), rtoken.Open); err == nil && !c.Test {
		err := s.r.RecordOpen(r.Context(), c.ContactID, c.CampaignID, s.who(r))
		if httpapi.ClientGone(r, err) {
			w.WriteHeader(httpapi.StatusClientClosed)
			return
		}
		if err != nil && !errors.Is(err, optin.ErrGone) {
			s.log.Warn("record open", slog.Any("error", err))
		}
	}
	w.Header().Set("Content-Type", "image/gif")
	w.Write(gif)
}

// click redirects to u when it is one of the campaign's links (an open
// redirect otherwise) and records the click on that link as the campaign
// wrote it; anything else is neutral.
func (s *Server) click(w http.ResponseWriter, r *http.Request) {
	c, ok := s.token(w, r, rtoken.Click)
	if !ok {
		return
	}
	target := r.URL.Query().Get("u")
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		s.neutral(w, r)
		return
	}
	link, allowed, err := s.links.Match(r.Context(), c.CampaignID, target)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !allowed {
		s.neutral(w, r)
		return
	}
	if err := s.r.RecordClick(r.Context(), c.ContactID, c.CampaignID, link, s.who(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, target, http.StatusFound)
}

func (s *Server) view(w http.ResponseWriter, r *http.Request) {
	c, ok := s.token(w, r, rtoken.View)
	if !ok {
		return
	}
	if s.opt.Viewer == nil {
		s.unavailable(w, r)
		return
	}
	html, err := s.opt.Viewer.View(r.Context(), c.CampaignID, c.ContactID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The mail's own styles are inline; scripts never run, forms post
	// nowhere, <base> is ignored, and the page is sandboxed (an opaque
	// origin: it cannot reach this origin's cookies or storage); links
	// still open. <meta http-equiv> tags (refresh) are removed.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "+
		"form-action 'none'; base-uri 'none'; frame-ancestors 'none'; sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(dropMetaEquiv([]byte(html)))
}

// dropMetaEquiv removes every <meta http-equiv> tag (refresh, cookies,
// policies) from a document, as an HTML5 tokenizer reads it; the rest is
// copied byte for byte.
func dropMetaEquiv(doc []byte) []byte {
	z := xhtml.NewTokenizer(bytes.NewReader(doc))
	out := make([]byte, 0, len(doc))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return out
		}
		n := len(out)
		out = append(out, z.Raw()...) // before TagName, which lower-cases in place
		if tt == xhtml.StartTagToken || tt == xhtml.SelfClosingTagToken {
			if name, hasAttr := z.TagName(); string(name) == "meta" && hasAttr && hasHTTPEquiv(z) {
				out = out[:n]
			}
		}
	}
}

func hasHTTPEquiv(z *xhtml.Tokenizer) bool {
	for {
		k, _, more := z.TagAttr()
		if string(k) == "http-equiv" {
			return true
		}
		if !more {
			return false
		}
	}
}
