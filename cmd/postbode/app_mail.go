package main

import (
	"context"
	"fmt"
	"net/mail"

	"github.com/postbode/postbode/internal/identity"
	"github.com/postbode/postbode/mta"
	"github.com/postbode/postbode/privacy"
)

// mailer sends the single mails postbode writes by itself (double opt-in
// confirmations, privacy request verification and answers): composed,
// DKIM-signed when the From domain has a key, and delivered through the
// process's transport at once. A mail sent for a department's recipient
// (identity.With on ctx) names that department's organisation in From. Domains declare the interface they need
// (Send(ctx, to, subject, html, text) error) and get this one.
type mailer struct {
	from    string
	replyTo string // optional: privacy mails carry privacy.contact_email
	tr      mta.Transport
	signer  *mta.DKIM
}

// mailer returns the app's transactional mailer (sharing the transport).
func (a *app) mailer() (*mailer, error) {
	tr, err := a.transport()
	if err != nil {
		return nil, err
	}
	d, err := a.dkim()
	if err != nil {
		return nil, err
	}
	return &mailer{from: a.cfg.MailFrom(), tr: tr, signer: d}, nil
}

// Send delivers one message to one address; a refusal or a network error is
// returned (the caller decides whether to retry).
func (m *mailer) Send(ctx context.Context, to, subject, html, text string) error {
	return m.send(ctx, to, subject, html, text, nil)
}

// SendAttachments is Send with files attached (multipart/mixed), e.g. the
// access export of a privacy request.
func (m *mailer) SendAttachments(ctx context.Context, to, subject, html, text string, files []privacy.Attachment) error {
	att := make([]mta.Attachment, len(files))
	for i, f := range files {
		att[i] = mta.Attachment{Name: f.Name, ContentType: f.ContentType, Data: f.Data}
	}
	return m.send(ctx, to, subject, html, text, att)
}

func (m *mailer) send(ctx context.Context, to, subject, html, text string, files []mta.Attachment) error {
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("mail: recipient: %w", err)
	}
	from, _ := mail.ParseAddress(m.from)
	header := m.from
	if id, ok := identity.From(ctx); ok && id.OrgName != "" {
		// Sent for a department's recipient: its name, the installation's address.
		header = (&mail.Address{Name: id.OrgName, Address: from.Address}).String()
	}
	msg := mta.ComposeMixed(mta.Header{From: header, ReplyTo: m.replyTo, To: rcpt.Address, Subject: subject}, html, text, files)
	if m.signer != nil && m.signer.HasDomain(from.Address) {
		if msg, err = m.signer.Sign(msg); err != nil {
			return fmt.Errorf("mail: sign: %w", err)
		}
	}
	res := m.tr.Send(ctx, mta.AddressDomain(rcpt.Address), []mta.Envelope{{From: from.Address, To: rcpt.Address, Data: msg}})
	if len(res) != 1 || res[0].Outcome() != mta.Sent {
		return fmt.Errorf("mail: deliver to %s: %v", mta.AddressDomain(rcpt.Address), res)
	}
	return nil
}
