package privacy

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/postbode/postbode/internal/humantime"
	"github.com/postbode/postbode/internal/identity"
)

// The mails of privacy requests, in English and Dutch. They are short and
// plain: a verification link, or the answer. They name no data of the
// contact beyond what the attachments hold.

type mailText struct {
	subject, html, text string
}

// sender is the identity a mail to contact contactID goes out under: that
// of the contact's department (identity.ForContact), whose mail or form
// the request came through. The returned ctx carries it to the mailer
// (From); org signs the mail. A contact already gone gets the
// installation's name.
func (s *Service) sender(ctx context.Context, contactID int64) (context.Context, string) {
	id, err := identity.ForContact(ctx, s.db, contactID)
	if err != nil {
		return ctx, s.opt.OrgName
	}
	return s.under(ctx, id)
}

// under is sender for a known identity.
func (s *Service) under(ctx context.Context, id identity.Identity) (context.Context, string) {
	org := s.opt.OrgName
	id.Apply(&org, new(string), new(string))
	return identity.With(ctx, id), org
}

// paragraphs renders paragraphs as the text and HTML bodies, signed with
// the organisation name org; a paragraph that is a URL becomes a link.
func paragraphs(org, subject string, ps ...string) mailText {
	var h, t strings.Builder
	h.WriteString(`<!doctype html><html><body style="font-family:sans-serif;line-height:1.5;max-width:40em">`)
	for _, p := range ps {
		if strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://") {
			fmt.Fprintf(&h, `<p><a href="%s">%s</a></p>`, html.EscapeString(p), html.EscapeString(p))
		} else {
			fmt.Fprintf(&h, "<p>%s</p>", html.EscapeString(p))
		}
		t.WriteString(p + "\n\n")
	}
	h.WriteString(`<p>` + html.EscapeString(org) + `</p></body></html>`)
	t.WriteString(org + "\n")
	return mailText{subject: subject, html: h.String(), text: t.String()}
}

func (s *Service) verifyMail(org, lang, kind, link string) mailText {
	if lang == "nl" {
		what := kindWhat[kind][1]
		return paragraphs(org, "Bevestig uw privacyverzoek",
			"U (of iemand anders) heeft met dit e-mailadres gevraagd om "+what+".",
			fmt.Sprintf("Bevestig het verzoek via deze link (%s geldig):", humantime.Duration(s.opt.RequestLinkTTL, lang)), link,
			"Heeft u dit niet gevraagd? Dan kunt u deze e-mail negeren; er gebeurt dan niets.")
	}
	what := kindWhat[kind][0]
	return paragraphs(org, "Confirm your privacy request",
		"You (or someone else) asked with this email address for "+what+".",
		fmt.Sprintf("Confirm the request with this link (valid for %s):", humantime.Duration(s.opt.RequestLinkTTL, lang)), link,
		"Did not ask for this? Then ignore this mail; nothing will happen.")
}

func (s *Service) accessMail(org, lang string) mailText {
	if lang == "nl" {
		return paragraphs(org, "Uw persoonsgegevens", s.withReply(lang,
			"Zoals u vroeg, vindt u als bijlage alle persoonsgegevens die wij van u bewaren: als JSON-bestand (om mee te nemen naar een andere dienst) en als PDF-rapport.")...)
	}
	return paragraphs(org, "Your personal data", s.withReply(lang,
		"As you asked, attached is all personal data we hold about you: as a JSON file (to take to another service) and as a PDF report.")...)
}

// withReply adds the invitation to reply when replies reach the privacy
// contact (Options.ContactEmail, the Reply-To).
func (s *Service) withReply(lang string, ps ...string) []string {
	if s.opt.ContactEmail == "" {
		return ps
	}
	if lang == "nl" {
		return append(ps, "Heeft u vragen, of wilt u dat wij iets corrigeren of wissen? Beantwoord dan deze e-mail.")
	}
	return append(ps, "Questions, or anything to correct or erase? Reply to this mail.")
}

func (s *Service) erasedMail(org, lang string) mailText {
	if lang == "nl" {
		return paragraphs(org, "Uw gegevens zijn gewist",
			"Zoals u vroeg, hebben wij alle persoonsgegevens die wij van u bewaarden gewist. U ontvangt van ons geen mailings meer.",
			"Alleen geanonimiseerde tellingen (zoals het aantal verstuurde berichten) blijven bestaan; die zijn niet naar u te herleiden.")
	}
	return paragraphs(org, "Your data has been erased",
		"As you asked, we have erased all personal data we held about you. You will receive no more mailings from us.",
		"Only anonymised counts (such as the number of messages sent) remain; they cannot be traced back to you.")
}

// kindWhat says what a request asks for, in English and Dutch.
var kindWhat = map[string][2]string{
	KindAccess:        {"a copy of the personal data we hold about you", "inzage in de persoonsgegevens die wij van u bewaren"},
	KindErasure:       {"the erasure of all personal data we hold about you", "het wissen van alle persoonsgegevens die wij van u bewaren"},
	KindRectification: {"the correction of personal data we hold about you", "het corrigeren van persoonsgegevens die wij van u bewaren"},
	KindRestriction:   {"the restriction of the processing of your personal data", "het beperken van de verwerking van uw persoonsgegevens"},
	KindObjection:     {"an objection to the processing of your personal data, such as measuring whether you open our mails", "bezwaar tegen de verwerking van uw persoonsgegevens, zoals het meten of u onze mails opent"},
}

// handledMail tells the requester that a rectification, restriction or
// objection request was handled, with staff's note of what was done.
func (s *Service) handledMail(org, lang, kind, note string) mailText {
	if lang == "nl" {
		ps := []string{"Uw verzoek om " + kindWhat[kind][1] + " is afgehandeld."}
		if note != "" {
			ps = append(ps, "Wat wij deden: "+note)
		}
		return paragraphs(org, "Uw privacyverzoek is afgehandeld", ps...)
	}
	ps := []string{"Your request for " + kindWhat[kind][0] + " has been handled."}
	if note != "" {
		ps = append(ps, "What we did: "+note)
	}
	return paragraphs(org, "Your privacy request has been handled", ps...)
}

// contactMail tells the privacy contact (Options.ContactEmail) that a
// verified request waits, with its deadline. It names the request and
// contact by id only: the details are in the API.
func (s *Service) contactMail(lang string, id, contactID int64, kind string, due string) mailText {
	if lang == "nl" {
		return paragraphs(s.opt.OrgName, fmt.Sprintf("Privacyverzoek %d (%s), uiterlijk %s", id, kind, due),
			fmt.Sprintf("Een betrokkene heeft een verzoek van het soort %s bevestigd. Het moet uiterlijk %s beantwoord zijn (AVG art. 12 lid 3).", kind, due),
			fmt.Sprintf("Verzoek %d, contact %d: GET /api/v1/privacy/requests/%d, daarna POST /api/v1/privacy/requests/%d/fulfil of /reject.", id, contactID, id, id))
	}
	return paragraphs(s.opt.OrgName, fmt.Sprintf("Privacy request %d (%s) due %s", id, kind, due),
		fmt.Sprintf("A data subject verified a request of kind %s. It must be answered by %s (GDPR art. 12(3)).", kind, due),
		fmt.Sprintf("Request %d, contact %d: GET /api/v1/privacy/requests/%d, then POST /api/v1/privacy/requests/%d/fulfil or /reject.", id, contactID, id, id))
}

// refusedMail tells the requester their erasure is refused while a legal
// hold lasts, why, and that they may complain to the authority.
func (s *Service) refusedMail(org, lang string, h Hold) mailText {
	until := (reportText{lang: lang, loc: time.UTC}).date(h.Until, false)
	if lang == "nl" {
		return paragraphs(org, "Wij kunnen uw gegevens nog niet wissen",
			"Wij moeten uw gegevens om een wettelijke reden bewaren tot "+until+" (AVG art. 17 lid 3): "+h.Reason,
			"Tot die datum gebruiken wij ze voor niets anders. Daarna kunt u opnieuw vragen ze te wissen.",
			"Bent u het hier niet mee eens, dan kunt u een klacht indienen bij de Autoriteit Persoonsgegevens.")
	}
	return paragraphs(org, "We cannot erase your data yet",
		"We must keep your data for a legal reason until "+until+" (GDPR art. 17(3)): "+h.Reason,
		"Until then we use it for nothing else. After that date you may ask again for its erasure.",
		"If you disagree, you may complain to the supervisory authority.")
}
