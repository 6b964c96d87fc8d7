package privacy

import (
	"fmt"
	"html"
	"strings"
)

// The mails of privacy requests, in English and Dutch. They are short and
// plain: a verification link, or the answer. They name no data of the
// contact beyond what the attachments hold.

type mailText struct {
	subject, html, text string
}

// paragraphs renders paragraphs as the text and HTML bodies; a paragraph
// that is a URL becomes a link.
func (s *Service) paragraphs(subject string, ps ...string) mailText {
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
	h.WriteString(`<p>` + html.EscapeString(s.opt.OrgName) + `</p></body></html>`)
	t.WriteString(s.opt.OrgName + "\n")
	return mailText{subject: subject, html: h.String(), text: t.String()}
}

func (s *Service) verifyMail(lang, kind, link string) mailText {
	hours := int(s.opt.RequestLinkTTL.Hours())
	if lang == "nl" {
		what := "inzage in de persoonsgegevens die wij van u bewaren"
		if kind == KindErasure {
			what = "het wissen van alle persoonsgegevens die wij van u bewaren"
		}
		return s.paragraphs("Bevestig uw privacyverzoek",
			"U (of iemand anders) heeft met dit e-mailadres gevraagd om "+what+".",
			fmt.Sprintf("Bevestig het verzoek via deze link (%d uur geldig):", hours), link,
			"Heeft u dit niet gevraagd? Dan kunt u deze e-mail negeren; er gebeurt dan niets.")
	}
	what := "a copy of the personal data we hold about you"
	if kind == KindErasure {
		what = "the erasure of all personal data we hold about you"
	}
	return s.paragraphs("Confirm your privacy request",
		"You (or someone else) asked with this email address for "+what+".",
		fmt.Sprintf("Confirm the request with this link (valid for %d hours):", hours), link,
		"Did not ask for this? Then ignore this mail; nothing will happen.")
}

func (s *Service) accessMail(lang string) mailText {
	if lang == "nl" {
		return s.paragraphs("Uw persoonsgegevens", s.withReply(lang,
			"Zoals u vroeg, vindt u als bijlage alle persoonsgegevens die wij van u bewaren: als JSON-bestand (om mee te nemen naar een andere dienst) en als PDF-rapport.")...)
	}
	return s.paragraphs("Your personal data", s.withReply(lang,
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

func (s *Service) erasedMail(lang string) mailText {
	if lang == "nl" {
		return s.paragraphs("Uw gegevens zijn gewist",
			"Zoals u vroeg, hebben wij alle persoonsgegevens die wij van u bewaarden gewist. U ontvangt van ons geen mailings meer.",
			"Alleen geanonimiseerde tellingen (zoals het aantal verstuurde berichten) blijven bestaan; die zijn niet naar u te herleiden.")
	}
	return s.paragraphs("Your data has been erased",
		"As you asked, we have erased all personal data we held about you. You will receive no more mailings from us.",
		"Only anonymised counts (such as the number of messages sent) remain; they cannot be traced back to you.")
}
