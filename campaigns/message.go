package campaigns

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/mta"
	"github.com/postbode/postbode/templates"
)

// runtime is what the send path needs of a campaign, built once per campaign
// and cached: the row, the compiled template and the list header values.
type runtime struct {
	c        Campaign
	tpl      *templates.Template
	from     string // From header
	fromAddr string
	listID   string
	feedback string
	signed   bool
}

// tplCache caches runtimes by campaign id (a running campaign's content
// cannot change: only drafts and scheduled campaigns may be edited).
type tplCache struct {
	mu sync.Mutex
	m  map[int64]*runtime
}

func newTplCache() *tplCache { return &tplCache{m: map[int64]*runtime{}} }

// runtime returns the campaign's cached runtime, building it on first use.
func (s *Service) runtime(ctx context.Context, id int64) (*runtime, error) {
	s.tpl.mu.Lock()
	rt := s.tpl.m[id]
	s.tpl.mu.Unlock()
	if rt != nil {
		return rt, nil
	}
	c, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	rt, err = s.newRuntime(ctx, c)
	if err != nil {
		return nil, err
	}
	s.tpl.mu.Lock()
	s.tpl.m[id] = rt
	s.tpl.mu.Unlock()
	return rt, nil
}

// forget drops cached runtimes of campaigns not in keep.
func (s *Service) forget(keep map[int64]bool) {
	s.tpl.mu.Lock()
	defer s.tpl.mu.Unlock()
	for id := range s.tpl.m {
		if !keep[id] {
			delete(s.tpl.m, id)
		}
	}
}

func (s *Service) newRuntime(ctx context.Context, c Campaign) (*runtime, error) {
	dept, err := s.department(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	style, err := s.style(ctx, dept, c.Lang)
	if err != nil {
		return nil, err
	}
	tpl, err := templates.Compile(ctx, c.Subject, c.HTML, c.Text, style)
	if err != nil {
		return nil, fmt.Errorf("campaigns: compile campaign %d: %w", c.ID, err)
	}
	slug, name := "list", ""
	if len(c.ListIDs) > 0 {
		err := s.db.QueryRow(ctx, `SELECT slug, name FROM lists WHERE id = $1`, c.ListIDs[0]).Scan(&slug, &name)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("campaigns: list of campaign %d: %w", c.ID, err)
		}
	}
	rt := &runtime{c: c, tpl: tpl, fromAddr: c.FromEmail,
		from: (&mail.Address{Name: c.FromName, Address: c.FromEmail}).String(),
		// RFC 2919: a list identifier under a domain the sender controls.
		listID:   fmt.Sprintf("%s <%s.%s>", name, slug, s.opt.BounceDomain),
		feedback: fmt.Sprintf("%d:%s:%s:postbode", c.ID, c.Kind, slug),
		signed:   s.opt.DKIM != nil && s.opt.DKIM.HasDomain(c.FromEmail),
	}
	return rt, nil
}

// recipient is one contact to mail.
type recipient struct {
	ID         int64
	Email      string
	Name       string
	Attributes map[string]any
	// Test: a test send; the merge fields are the contact's, but links and
	// return paths carry a test token that names no contact.
	Test bool
	// To, when set, is the address the message goes to instead of Email
	// (a test send with a real contact's merge fields).
	To string
	// issued is when the tokens of the message's links say they were
	// issued: one reading of the clock for all of them (zero: now).
	issued time.Time
}

// to returns the address r's message goes to.
func (r recipient) to() string {
	if r.To != "" {
		return r.To
	}
	return r.Email
}

// headerAddress is addr as mail.Address takes it: a quoted local part
// ("jan..vries"@example.org, which contacts keep with its quotes) without
// the quotes, which String puts back; left in, they were quoted again and
// the To field named another mailbox. NormalizeEmail allows no quote or
// backslash inside one.
func headerAddress(addr string) string {
	if strings.HasPrefix(addr, `"`) {
		if end := strings.LastIndex(addr, `"@`); end > 0 {
			return addr[1:end] + addr[end+1:]
		}
	}
	return addr
}

// claims returns the token claims of r's links for campaign cid.
func (r recipient) claims(p rtoken.Purpose, cid int64) rtoken.Claims {
	if r.Test {
		return rtoken.Claims{Purpose: p, CampaignID: cid, Test: true, Issued: r.issued}
	}
	return rtoken.Claims{Purpose: p, ContactID: r.ID, CampaignID: cid, Issued: r.issued}
}

// data returns the template data and render options for one recipient.
func (s *Service) data(rt *runtime, r recipient) (templates.Data, templates.RenderOptions) {
	cid := rt.c.ID
	link := func(p rtoken.Purpose) string { return s.links.URLFor(r.claims(p, cid)) }
	update := link(rtoken.Update)
	d := templates.Data{
		Contact:    templates.Contact{ID: r.ID, Email: r.Email, Name: r.Name, Attributes: r.Attributes},
		CampaignID: cid, CampaignName: rt.c.Name,
		Links: templates.Links{
			Unsubscribe: link(rtoken.Unsubscribe), Update: update,
			Privacy: link(rtoken.Privacy), View: link(rtoken.View),
			UpdateOK: update + "?answer=ok", UpdateChange: update + "?answer=change", UpdateRemove: update + "?answer=remove",
		},
	}
	var opt templates.RenderOptions
	if s.opt.Tracking && rt.c.TrackClicks {
		// One click token for all the message's links (the same claims):
		// signed at the first link, not at each of them.
		var prefix string
		opt.TrackClick = func(u string) string {
			if prefix == "" {
				prefix = s.links.ClickPrefixFor(r.claims(rtoken.Click, cid))
			}
			return prefix + url.QueryEscape(u)
		}
	}
	if s.opt.Tracking && rt.c.TrackOpens {
		opt.OpenPixel = link(rtoken.Open)
	}
	return d, opt
}

// stageTimes accumulates the CPU-bound stages of building messages.
type stageTimes struct {
	render, compose, sign int64 // nanoseconds
}

// msgBuf is the memory of one message in flight: rendered into, composed
// into, signed into, handed to the transport, then given back to msgBufs
// for the next message, so a message costs no new buffers.
type msgBuf struct {
	render    templates.Buffer
	data, sig []byte
}

var msgBufs = sync.Pool{New: func() any { return new(msgBuf) }}

// maxPooledMsg: buffers of larger messages are left to the garbage collector.
const maxPooledMsg = 1 << 20

func getMsgBuf() *msgBuf { return msgBufs.Get().(*msgBuf) }

// putMsgBuf gives b back; nothing may use its bytes afterwards.
func putMsgBuf(b *msgBuf) {
	if b != nil && cap(b.data) <= maxPooledMsg && b.render.Cap() <= maxPooledMsg {
		msgBufs.Put(b)
	}
}

// build renders, composes and signs the message for r; subjectPrefix is
// put before the subject (test sends). The message is composed into buf
// (and signed into it) when buf is not nil: the envelope's bytes belong to
// buf.
func (s *Service) build(ctx context.Context, rt *runtime, r recipient, subjectPrefix string, st *stageTimes, buf *msgBuf) (mta.Envelope, error) {
	if buf == nil {
		buf = &msgBuf{}
	}
	env, err := s.compose(ctx, rt, r, subjectPrefix, st, buf)
	if err != nil || !rt.signed {
		return env, err
	}
	envs, bufs, errs := [1]*mta.Envelope{&env}, [1]*msgBuf{buf}, [1]error{}
	s.sign(envs[:], bufs[:], errs[:], st)
	return env, errs[0]
}

// compose renders and composes the message for r into buf, unsigned.
func (s *Service) compose(ctx context.Context, rt *runtime, r recipient, subjectPrefix string, st *stageTimes, buf *msgBuf) (mta.Envelope, error) {
	t0 := nanotime()
	now := s.now()
	r.issued = now
	d, opt := s.data(rt, r)
	out, err := rt.tpl.RenderTo(ctx, d, opt, &buf.render)
	if err != nil {
		return mta.Envelope{}, fmt.Errorf("render: %w", err)
	}
	t1 := nanotime()
	cid, kid := rt.c.ID, r.ID
	unsub := s.opt.Keys.Address(r.claims(rtoken.Unsubscribe, cid), s.opt.BounceDomain)
	ref := s.opt.Keys.Mint(r.claims(rtoken.Bounce, cid))
	h := mta.Header{
		From: rt.from, To: (&mail.Address{Name: r.Name, Address: headerAddress(r.to())}).String(), ReplyTo: rt.c.ReplyTo,
		Subject:         subjectPrefix + out.Subject,
		ListUnsubscribe: []string{d.Links.Unsubscribe, "mailto:" + unsub + "?subject=unsubscribe"},
		OneClick:        true, // RFC 8058: the /u URL accepts List-Unsubscribe=One-Click POSTs
		ListID:          rt.listID, FeedbackID: rt.feedback,
		// Reports quoting only the original header (DSNs, feedback loops)
		// are verified by this Message-ID: it names contact and campaign
		// under the server key.
		MessageID: s.opt.Keys.MessageIDOf(r.claims(rtoken.MessageID, cid), s.opt.BounceDomain),
		// The bounce processor finds campaign and contact of a returned
		// original by this header when the VERP address is lost.
		Extra: [][2]string{{"X-Postbode-Ref", ref}},
		Date:  now,
	}
	if need := mta.ComposeSize(out.HTML, out.Text); cap(buf.data) < need {
		buf.data = make([]byte, 0, need)
	}
	msg, dotFree := mta.AppendCompose(buf.data[:0], h, out.HTML, out.Text)
	buf.data = msg
	t2 := nanotime()
	if st != nil {
		st.render += t1 - t0
		st.compose += t2 - t1
	}
	return mta.Envelope{
		ID:   "c" + strconv.FormatInt(cid, 10) + "-k" + strconv.FormatInt(kid, 10),
		From: s.opt.Keys.Address(r.claims(rtoken.Bounce, cid), s.opt.BounceDomain),
		To:   r.to(), Data: msg, DotFree: dotFree,
	}, nil
}

// sign DKIM-signs the composed messages *envs[i] (composed into bufs[i])
// together (DKIM.AppendSignatures): it sets each one's Signature, signed
// into bufs[i].sig, or errs[i].
func (s *Service) sign(envs []*mta.Envelope, bufs []*msgBuf, errs []error, st *stageTimes) {
	t0 := nanotime()
	dsts, msgs := make([][]byte, len(envs)), make([][]byte, len(envs))
	for i, env := range envs {
		dsts[i], msgs[i] = bufs[i].sig[:0], env.Data
	}
	s.opt.DKIM.AppendSignatures(dsts, msgs, errs)
	for i, env := range envs {
		if errs[i] != nil {
			errs[i] = fmt.Errorf("dkim: %w", errs[i])
			continue
		}
		bufs[i].sig, env.Signature = dsts[i], dsts[i]
	}
	if st != nil {
		st.sign += nanotime() - t0
	}
}
