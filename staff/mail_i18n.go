package staff

import (
	"context"
	"fmt"
	"time"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/humantime"
)

// mailTexts holds the texts of the mails to staff, per language (Languages).
// Placeholders are in the order the senders pass them.
var mailTexts = map[string]map[string]string{
	"en": {
		"invite.subject": "Your invitation to postbode",
		// inviter (" by NAME" or ""), department, role, validity, link
		"invite.text":   "You have been invited%s to the department %s of postbode, as %s.\n\nAccept here (the link works once, for %s):\n\n%s\n\nIf you have a postbode account for this address, you accept with its password; otherwise you choose one.\nIf you did not expect this, ignore this mail.\n",
		"by":            " by %s",
		"reset.subject": "Reset your postbode password",
		// validity, link
		"reset.text":         "Someone asked to reset your postbode password. If it was you, choose a new one here (the link works once, for %s):\n\n%s\n\nIf it was not you, ignore this mail.\n",
		"adminreset.subject": "Choose a new postbode password",
		// by (" by NAME" or ""), validity, link
		"adminreset.text": "You were asked%s to choose a new postbode password. Your current password works until you do. Choose a new one here (the link works once, for %s):\n\n%s\n\nIf you did not expect this, tell your administrator.\n",
		// file name
		"export.subject": "postbode export %s",
		"export.text":    "The contacts export you or a colleague asked for is attached (%s).\n",
	},
	"nl": {
		"invite.subject":     "Uw uitnodiging voor postbode",
		"invite.text":        "U bent%s uitgenodigd voor de afdeling %s van postbode, als %s.\n\nAccepteer de uitnodiging hier (de link werkt één keer, %s lang):\n\n%s\n\nHeeft u al een postbode-account met dit adres, dan accepteert u met het wachtwoord daarvan; anders kiest u een wachtwoord.\nVerwachtte u deze mail niet, dan kunt u hem negeren.\n",
		"by":                 " door %s",
		"reset.subject":      "Nieuw wachtwoord voor postbode",
		"reset.text":         "Iemand heeft gevraagd uw wachtwoord voor postbode opnieuw in te stellen. Was u dat, kies dan hier een nieuw wachtwoord (de link werkt één keer, %s lang):\n\n%s\n\nWas u het niet, dan kunt u deze mail negeren.\n",
		"adminreset.subject": "Kies een nieuw wachtwoord voor postbode",
		"adminreset.text":    "U bent%s gevraagd een nieuw wachtwoord voor postbode te kiezen. Uw huidige wachtwoord werkt tot u dat doet. Kies hier een nieuw wachtwoord (de link werkt één keer, %s lang):\n\n%s\n\nVerwachtte u dit niet, laat het dan uw beheerder weten.\n",
		"export.subject":     "Export uit postbode: %s",
		"export.text":        "De export van contacten waar u of een collega om vroeg, zit als bijlage bij deze mail (%s).\n",
	},
}

// mailText is the text for key in lang, with args filled in.
func mailText(lang, key string, args ...any) string {
	t, ok := mailTexts[lang][key]
	if !ok {
		t = mailTexts["en"][key]
	}
	if len(args) == 0 {
		return t
	}
	return fmt.Sprintf(t, args...)
}

// MailLang is the one rule for the language of a mail to staff: the
// language the addressee chose in the console (persons.lang), when the
// address belongs to a person; else, for an invitation of someone without
// an account, the language of the person sending it; else the
// installation's default (Options.DefaultLang).
func (s *Service) MailLang(ctx context.Context, email string) string {
	var lang string
	err := s.db.QueryRow(unscoped(ctx), `SELECT lang FROM persons WHERE lower(email) = lower($1)`, email).Scan(&lang)
	if err == nil && (lang == "en" || lang == "nl") {
		return lang
	}
	if actor, ok := access.ActorFrom(ctx); ok && actor.PersonID != 0 {
		if l, err := s.Language(ctx, actor.PersonID); err == nil && (l == "en" || l == "nl") {
			return l
		}
	}
	return s.opt.DefaultLang
}

// ExportMail is the subject and text of the mail that carries a contacts
// export (file name) to a person, in lang.
func ExportMail(lang, name string) (subject, text string) {
	return mailText(lang, "export.subject", name), mailText(lang, "export.text", name)
}

// byActor is " by NAME" in lang for the acting person of ctx, or "".
func byActor(ctx context.Context, lang string) string {
	if actor, ok := access.ActorFrom(ctx); ok && actor.Name != "" {
		return mailText(lang, "by", actor.Name)
	}
	return ""
}

// inviteText says who invited the person, to which department and as
// what; one text for every address, with or without an account.
func inviteText(lang, adminURL, token, inviter string, v Invitation, ttl time.Duration) string {
	return mailText(lang, "invite.text", inviter, v.DepartmentName, v.Role, humantime.Duration(ttl, lang), LinkURL(adminURL, InvitePath, token))
}

func resetText(lang, adminURL, token string, ttl time.Duration) string {
	return mailText(lang, "reset.text", humantime.Duration(ttl, lang), LinkURL(adminURL, ResetPath, token))
}

func adminResetText(lang, adminURL, token, by string, ttl time.Duration) string {
	return mailText(lang, "adminreset.text", by, humantime.Duration(ttl, lang), LinkURL(adminURL, ResetPath, token))
}
