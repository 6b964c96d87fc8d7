package pages

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/postbode/postbode/internal/rtoken"
)

// Langs are the page languages.
var Langs = []string{"en", "nl"}

// messages holds every text of the pages, per language. Keys are English
// shorthand; %s and %[n]s are filled by Tf (values are escaped on output).
var messages = map[string]map[string]string{
	"en": {
		"lang.en": "English", "lang.nl": "Nederlands", "language": "Language",
		"neutral.title":             "This link is not valid",
		"neutral.body":              "This link is not valid (any more). To change your subscription, use the link in a recent mail from us.",
		"test.title":                "This was a test mail",
		"test.body":                 "This link comes from a test mail. In the real mailing it leads each recipient to their own page; here nothing was changed.",
		"unavailable.title":         "Not available",
		"unavailable.body":          "This page is not available right now. Please try again later.",
		"csrf.title":                "Please try again",
		"csrf.body":                 "This form was already sent or has expired. Please open the page again and repeat your choice.",
		"toolarge.title":            "Too much data",
		"toolarge.body":             "The form you sent is too large.",
		"sub.title":                 "Subscribe to %s",
		"sub.email":                 "Email address",
		"sub.name":                  "Name (optional)",
		"sub.consent":               "I agree that %[1]s sends me “%[2]s” by email for this purpose: %[3]s. I can unsubscribe at any time with the link in every mail.",
		"sub.button":                "Subscribe",
		"sub.err.consent":           "Please tick the box to give your consent.",
		"sub.err.email":             "Please enter a valid email address, like name@example.org.",
		"sub.err.name":              "Please enter your name on one line, without special characters (at most 200).",
		"sub.check.title":           "Almost done: check your inbox",
		"sub.check.body":            "We have sent a mail with a confirmation link to the address you entered. Your subscription starts when you click it. No mail? Check your spam folder.",
		"sub.done.title":            "Thank you",
		"sub.done.body":             "You are subscribed to “%s”. Every mail has a link to unsubscribe.",
		"mail.confirm.subject":      "Please confirm your subscription to %s",
		"mail.confirm.body":         "Please confirm that you want to receive “%[1]s” from %[2]s with the link below. If you did not ask for this, ignore this mail: without confirmation you will not be subscribed.",
		"mail.confirm.button":       "Confirm my subscription",
		"mail.repermission.subject": "Do you still want to receive %s?",
		"mail.repermission.body":    "You have been receiving “%[1]s” from %[2]s for a while. We only keep writing to you if you still want it: please confirm with the link below within %[3]d days. If you do not, you will be taken off the list automatically.",
		"sub.purpose":               "Purpose: %s",
		"sub.retention.days":        "We keep your details as long as you are subscribed. Once you are on none of our lists, or your address stops working, we erase them after %d {day|days}.",
		"sub.retention.asked":       "We keep your details as long as you are subscribed, and erase them when you ask.",
		"conf.title":                "Confirm your subscription",
		"conf.body":                 "Confirm that you want to receive “%s”.",
		"conf.button":               "Yes, confirm my subscription",
		"conf.done.title":           "Subscription confirmed",
		"conf.done.body":            "Thank you: your subscription to “%s” is confirmed.",
		"unsub.title":               "Unsubscribe",
		"unsub.body":                "Which mails should we stop sending to %s?",
		"unsub.campaign":            "Only: %s",
		"unsub.all":                 "All mails from %s (every list)",
		"unsub.button":              "Unsubscribe",
		"unsub.none":                "You are not subscribed to any of our lists.",
		"unsub.done.title":          "You are unsubscribed",
		"unsub.done.body":           "We will not send you these mails any more.",
		"upd.title":                 "Are your details still correct?",
		"upd.intro":                 "We have these details on record for you:",
		"upd.name":                  "Name",
		"upd.email":                 "Email address",
		"upd.lists":                 "Subscribed to",
		"upd.ok":                    "Yes, all correct",
		"upd.change":                "No, I'll change them",
		"upd.remove":                "Take me off your list",
		"upd.ok.body":               "Confirm that these details are correct and that you want to keep receiving our mails.",
		"upd.ok.button":             "Yes, my details are correct",
		"upd.change.title":          "Change your details",
		"upd.change.button":         "Save my details",
		"upd.remove.body":           "We will take you off all our lists and remove your details.",
		"upd.remove.button":         "Yes, take me off your list",
		"upd.err":                   "Please check the field “%s”: it must be one line without special characters, and not too long.",
		"upd.ok.done":               "Thank you! Your details are confirmed.",
		"upd.changed.done":          "Thank you! Your details are saved.",
		"upd.pending.done":          "Thank you! We will check your changes and apply them soon.",
		"upd.remove.done":           "You are off our lists. We will remove your details.",
		"priv.title":                "Your personal data",
		"priv.body":                 "You may ask for a copy of all data we hold on you, ask us to correct or erase it, to stop using it for now, or object to its use.",
		"priv.access":               "Send me a copy of my data",
		"priv.erasure":              "Erase my data",
		"priv.email":                "Email address",
		"priv.kind":                 "What do you want?",
		"priv.button":               "Send request",
		"priv.sent.title":           "Check your inbox",
		"priv.sent.body":            "If we hold data on this address you will get an email with a link to confirm your request.",
		"priv.recv.title":           "Request received",
		"priv.recv.body":            "We have received your request and will answer by email within one month.",
		"priv.confirm.title":        "Confirm your request",
		"priv.confirm.body":         "Confirm your privacy request with the button below.",
		"priv.confirm.button":       "Confirm my request",
		"priv.confirm.kind":         "You are confirming:",
		"priv.confirm.details":      "With this text, as typed on the form (check it is yours):",
		"priv.kind.access":          "Copy of your data",
		"priv.kind.erasure":         "Erasure of your data",
		"priv.rectification":        "Correct my data",
		"priv.restriction":          "Stop using my data while my question is sorted out",
		"priv.objection":            "I object to the use of my data (such as measuring whether I open mails)",
		"priv.details":              "What should be corrected?",
		"priv.details.form":         "What should be corrected? (required for a correction)",
		"priv.err.details":          "What should be corrected: please describe it, in at most %d characters.",
		"priv.kind.rectification":   "Correction of your data",
		"priv.kind.restriction":     "Restriction of the use of your data",
		"priv.kind.objection":       "Objection to the use of your data",
		"footer.statement":          "Privacy statement",
		"priv.confirmed.body":       "Your request is confirmed: %s. We will answer by email within one month.",
		"footer.privacy":            "Privacy",
	},
	"nl": {
		"lang.en": "English", "lang.nl": "Nederlands", "language": "Taal",
		"neutral.title":             "Deze link is niet geldig",
		"neutral.body":              "Deze link is niet (meer) geldig. Wilt u uw inschrijving wijzigen, gebruik dan de link in een recente mail van ons.",
		"test.title":                "Dit was een testmail",
		"test.body":                 "Deze link komt uit een testmail. In de echte mailing brengt hij elke ontvanger naar zijn eigen pagina; hier is niets veranderd.",
		"unavailable.title":         "Niet beschikbaar",
		"unavailable.body":          "Deze pagina is nu niet beschikbaar. Probeer het later nog eens.",
		"csrf.title":                "Probeer het opnieuw",
		"csrf.body":                 "Dit formulier is al verstuurd of verlopen. Open de pagina opnieuw en maak uw keuze nog eens.",
		"toolarge.title":            "Te veel gegevens",
		"toolarge.body":             "Het verstuurde formulier is te groot.",
		"sub.title":                 "Inschrijven voor %s",
		"sub.email":                 "E-mailadres",
		"sub.name":                  "Naam (niet verplicht)",
		"sub.consent":               "Ik geef %[1]s toestemming mij “%[2]s” per e-mail te sturen voor dit doel: %[3]s. Ik kan mij altijd afmelden via de link in elke mail.",
		"sub.button":                "Inschrijven",
		"sub.err.consent":           "Vink het vakje aan om uw toestemming te geven.",
		"sub.err.email":             "Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.",
		"sub.err.name":              "Vul uw naam in op één regel, zonder speciale tekens (hoogstens 200).",
		"sub.check.title":           "Bijna klaar: kijk in uw mailbox",
		"sub.check.body":            "We hebben een mail met een bevestigingslink gestuurd naar het adres dat u invulde. Uw inschrijving begint als u daarop klikt. Geen mail? Kijk in uw spammap.",
		"sub.done.title":            "Dank u wel",
		"sub.done.body":             "U bent ingeschreven voor “%s”. In elke mail staat een link om u af te melden.",
		"mail.confirm.subject":      "Bevestig uw inschrijving voor %s",
		"mail.confirm.body":         "Bevestig dat u “%[1]s” van %[2]s wilt ontvangen met de link hieronder. Heeft u hier niet om gevraagd, negeer deze mail dan: zonder bevestiging wordt u niet ingeschreven.",
		"mail.confirm.button":       "Bevestig mijn inschrijving",
		"mail.repermission.subject": "Wilt u %s nog ontvangen?",
		"mail.repermission.body":    "U ontvangt al een tijd “%[1]s” van %[2]s. We blijven u alleen schrijven als u dat nog wilt: bevestig dit binnen %[3]d dagen met de link hieronder. Doet u dat niet, dan wordt u automatisch van de lijst gehaald.",
		"sub.purpose":               "Doel: %s",
		"sub.retention.days":        "Wij bewaren uw gegevens zolang u bent ingeschreven. Staat u op geen enkele lijst meer, of werkt uw adres niet meer, dan wissen wij ze na %d {dag|dagen}.",
		"sub.retention.asked":       "Wij bewaren uw gegevens zolang u bent ingeschreven, en wissen ze als u daarom vraagt.",
		"conf.title":                "Bevestig uw inschrijving",
		"conf.body":                 "Bevestig dat u “%s” wilt ontvangen.",
		"conf.button":               "Ja, bevestig mijn inschrijving",
		"conf.done.title":           "Inschrijving bevestigd",
		"conf.done.body":            "Dank u wel: uw inschrijving voor “%s” is bevestigd.",
		"unsub.title":               "Afmelden",
		"unsub.body":                "Welke mails moeten we niet meer sturen naar %s?",
		"unsub.campaign":            "Alleen: %s",
		"unsub.all":                 "Alle mails van %s (alle lijsten)",
		"unsub.button":              "Afmelden",
		"unsub.none":                "U staat op geen van onze lijsten.",
		"unsub.done.title":          "U bent afgemeld",
		"unsub.done.body":           "We sturen u deze mails niet meer.",
		"upd.title":                 "Kloppen uw gegevens nog?",
		"upd.intro":                 "Dit zijn de gegevens die we van u hebben:",
		"upd.name":                  "Naam",
		"upd.email":                 "E-mailadres",
		"upd.lists":                 "Ingeschreven voor",
		"upd.ok":                    "Ja, alles klopt",
		"upd.change":                "Nee, ik pas ze aan",
		"upd.remove":                "Haal mij uit uw bestand",
		"upd.ok.body":               "Bevestig dat deze gegevens kloppen en dat u onze mails wilt blijven ontvangen.",
		"upd.ok.button":             "Ja, mijn gegevens kloppen",
		"upd.change.title":          "Uw gegevens aanpassen",
		"upd.change.button":         "Gegevens opslaan",
		"upd.remove.body":           "We halen u van al onze lijsten en verwijderen uw gegevens.",
		"upd.remove.button":         "Ja, haal mij uit uw bestand",
		"upd.err":                   "Controleer het veld “%s”: het moet één regel zijn zonder speciale tekens, en niet te lang.",
		"upd.ok.done":               "Dank u wel! Uw gegevens zijn bevestigd.",
		"upd.changed.done":          "Dank u wel! Uw gegevens zijn opgeslagen.",
		"upd.pending.done":          "Dank u wel! We controleren uw wijzigingen en voeren ze binnenkort door.",
		"upd.remove.done":           "U staat niet meer op onze lijsten. We verwijderen uw gegevens.",
		"priv.title":                "Uw persoonsgegevens",
		"priv.body":                 "U kunt een kopie vragen van alle gegevens die we van u hebben, vragen ze te corrigeren of te wissen, ze voorlopig niet te gebruiken, of bezwaar maken tegen het gebruik.",
		"priv.access":               "Stuur mij een kopie van mijn gegevens",
		"priv.erasure":              "Wis mijn gegevens",
		"priv.email":                "E-mailadres",
		"priv.kind":                 "Wat wilt u?",
		"priv.button":               "Verzoek versturen",
		"priv.sent.title":           "Kijk in uw mailbox",
		"priv.sent.body":            "Als we gegevens over dit adres hebben, krijgt u een mail met een link om uw verzoek te bevestigen.",
		"priv.recv.title":           "Verzoek ontvangen",
		"priv.recv.body":            "We hebben uw verzoek ontvangen en antwoorden binnen een maand per e-mail.",
		"priv.confirm.title":        "Bevestig uw verzoek",
		"priv.confirm.body":         "Bevestig uw privacyverzoek met de knop hieronder.",
		"priv.confirm.button":       "Bevestig mijn verzoek",
		"priv.confirm.kind":         "U bevestigt:",
		"priv.confirm.details":      "Met deze tekst, zoals ingevuld op het formulier (controleer of die van u is):",
		"priv.kind.access":          "Kopie van uw gegevens",
		"priv.kind.erasure":         "Wissen van uw gegevens",
		"priv.rectification":        "Corrigeer mijn gegevens",
		"priv.restriction":          "Gebruik mijn gegevens niet zolang mijn vraag wordt uitgezocht",
		"priv.objection":            "Ik maak bezwaar tegen het gebruik van mijn gegevens (zoals meten of ik mails open)",
		"priv.details":              "Wat moet er worden gecorrigeerd?",
		"priv.details.form":         "Wat moet er worden gecorrigeerd? (verplicht bij een correctie)",
		"priv.err.details":          "Wat moet er worden gecorrigeerd: beschrijf het, in hoogstens %d tekens.",
		"priv.kind.rectification":   "Correctie van uw gegevens",
		"priv.kind.restriction":     "Beperking van het gebruik van uw gegevens",
		"priv.kind.objection":       "Bezwaar tegen het gebruik van uw gegevens",
		"footer.statement":          "Privacyverklaring",
		"priv.confirmed.body":       "Uw verzoek is bevestigd: %s. We antwoorden binnen een maand per e-mail.",
		"footer.privacy":            "Privacy",
	},
}

// campaignOf is the campaign whose mail held the link a request came
// through (set by forRecipient, and for a test link's notice); its language is looked up
// once, when a page is first rendered.
type campaignOf struct {
	id   int64
	once sync.Once
	lang string
}

type campaignKey struct{}

// withCampaignOf remembers the campaign of the request's token.
func withCampaignOf(r *http.Request, c rtoken.Claims) *http.Request {
	switch c.Purpose {
	case rtoken.Unsubscribe, rtoken.Update, rtoken.Privacy, rtoken.Click, rtoken.View:
	default: // Confirm and Verify tokens carry a list id or a request kind there
		return r
	}
	if c.CampaignID == 0 {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), campaignKey{}, &campaignOf{id: c.CampaignID}))
}

// withoutCampaign forgets the campaign of the request's token.
func withoutCampaign(r *http.Request) *http.Request {
	if c, _ := r.Context().Value(campaignKey{}).(*campaignOf); c == nil {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), campaignKey{}, (*campaignOf)(nil)))
}

// pageLang is the one rule for the language of a public request: ?lang=
// when valid (an explicit switch, kept by the forms' actions so a post
// answers in the same language); else the language of the campaign whose
// mail held the link; else the best supported match of Accept-Language
// (RFC 9110 §12.5.4); else the default (public.default_lang).
func (s *Server) pageLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "nl" {
		return l
	}
	if c, _ := r.Context().Value(campaignKey{}).(*campaignOf); c != nil {
		c.once.Do(func() {
			lang, err := s.r.CampaignLang(r.Context(), c.id)
			if err != nil {
				s.log.Warn("public page: campaign language", slog.Int64("campaign", c.id), slog.Any("error", err))
			}
			c.lang = lang
		})
		if c.lang == "en" || c.lang == "nl" {
			return c.lang
		}
	}
	return acceptLang(r, s.opt.DefaultLang)
}

// acceptLang is the best supported match of Accept-Language, else def.
func acceptLang(r *http.Request, def string) string {
	best, bestQ := def, 0.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if (base == "en" || base == "nl") && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}
