package bounces

import "strings"

// The classification table. Evidence is read from the strongest down:
//
//  1. what the format itself establishes (an RFC 5965 complaint, an RFC
//     3834 auto-reply, an RFC 3464 Diagnostic-Code of type X-Unix, which
//     is a local delivery program's exit status, not a server's reply; an
//     RFC 5429 Sieve reject, an RFC 8098 disposition notification of type
//     "deleted", which is the recipient's own filter: sieveReject);
//  2. the RFC 3463 enhanced status code (class, subject, detail; the IANA
//     registry of RFC 5248), with the Action (delayed is temporary);
//  3. the SMTP reply code together with the command it answered
//     (RFC 5321 sections 3.3 and 4.2; RFC 7504 for 521 and 556);
//  4. the diagnostic text, in textRules order, as the last resort.
//
// Precedence when they conflict (see decide): a temporary failure is never
// hard, and a delay notice ("THIS IS A WARNING MESSAGE ONLY", delayNotices)
// is temporary whatever reply it quotes. A specific non-hard text reason ("mailbox full", "spam", "blocked")
// wins over an address status (5.1.1): the cost of a false hard is the
// erasure of a reachable person, while a dead address that keeps answering
// "mailbox full" still turns inactive by its soft bounces. So "550 5.1.1
// Mailbox full" and "550 5.1.1 quota exceeded; user unknown" are a full
// mailbox; "550 5.1.1 User unknown" stays hard. A full-mailbox or quota
// phrase anywhere in the text also overrules a phrase naming a dead
// address ("552 5.2.2 quota exceeded; user unknown" is a full mailbox). A
// mailbox status whose detail says the mailbox exists (X.2.2 full, X.2.3
// too long for it, X.2.4 list expansion; mailboxExists) overrules such a
// phrase at every command, RCPT TO included ("552 5.2.2 <a@b>... User
// unknown" is a full mailbox). X.2.0 (undefined) and X.2.1 (mailbox
// disabled) do not overrule the phrase at RCPT TO. A hard text reason ("user
// unknown") counts only when nothing weaker contradicts it: not under a
// policy or mailbox status (X.7.x, X.2.x) nor, except at RCPT TO, under a
// mail-system, protocol or media status with a detail (X.3.x, X.5.x,
// X.6.x; otherCause), not in reply to MAIL FROM, the connection or DATA,
// and for weak phrases (the generic RFC 5321 reply texts) only with an
// address status, an undefined one (X.0.0, X.5.0) or at RCPT TO. An
// address status also outranks the reply-code rules ("551 5.1.1" is an
// unknown user, not a moved mailbox).
// An ordinary phrase ("No such user") with a reply code RFC 5321 gives a
// refused mailbox (550, 551, 553; not 554 "Transaction failed") and
// nothing against it counts without a status code; with no code at all
// only a system's statement about its own directory does. A contradicting
// cause (contradicts) overrules a directory statement too. Where neither a
// status code nor RCPT TO backs the dead address, the notDead words
// ("later", "temporarily", "policy") and the words of filters and sender
// lists ("bulk", "allow list", "greylisted"; conflictStems) anywhere in the
// text also make it not hard. Where no phrase
// matches, the clause rules (clauseRules) read the noun and the predicate
// of one clause, with the same precedence. Those words, the conflict words
// and the words naming the client or the sender are read outside URLs
// (outsideURLs), as the phrases are. Next to a missing host, "try again"
// or "temporarily" (retryLookup) make it a lookup that failed for now
// (networkerror), not a filter; a limit exceeded in a clause about size
// (sizeWords) is the message's size, a block list in a clause about the
// message's links (linkWords) a URI block list. A clause saying the
// recipient's own preferences, settings, filter or rules refused the
// message (recipientChoice) overrules any dead address.

// contradicts are the reasons whose phrases, anywhere in a text, overrule a
// phrase naming a dead address: a specific statement of spam, a block, a
// full or disabled mailbox, an authentication or relay refusal is the more
// cautious reading ("550 5.1.1 user unknown" next to "blocked using
// zen.spamhaus.org" is a block). Broad reasons (policy, expired, system
// error) do not: their words turn up in many a real "user unknown".
var contradicts = map[string]bool{
	"spamdetected": true, "virusdetected": true, "blocked": true, "mailboxfull": true,
	"suspend": true, "norelaying": true, "authfailure": true, "requireptr": true,
	"badreputation": true, "speeding": true, "toomanyconn": true, "securityerror": true,
	"mailererror": true,
}

// strength says how much a text phrase proves on its own.
type strength int

const (
	// ordinary phrases name their reason; for a hard reason they need a
	// status code, a reply code or the command to back them.
	ordinary strength = iota
	// directory phrases are a mail system's statement about its own
	// directory ("no mailbox here by that name"): definitive alone, unless
	// the text also names a contradicting cause.
	directory
	// weak phrases are the generic reply texts of RFC 5321 section 4.2.2
	// ("mailbox unavailable" is the text of every 550, policy refusals
	// included): they name a dead address only with an address status
	// (X.1.x) or at RCPT TO.
	weak
	// fallback phrases name no cause of their own: they count only when
	// the status code names no reason.
	fallback
	// overrules phrases name a cause that is not hard as specifically as
	// the reasons of contradicts do, although their reason's other
	// phrases are too broad for it: anywhere in a text they overrule a
	// phrase or status naming a dead address ("550 5.1.1 ... Refused due
	// to recipient preferences" is a filter, "550 5.1.1 <a@b>: Sender
	// address rejected: User unknown" a refusal of the sender).
	overrules
)

// reasonRule is one row of the text table: lower-case phrases, the reason
// they establish, how strong they are alone, and where the wording comes
// from.
type reasonRule struct {
	reason   string
	strength strength
	source   string
	phrases  []string
}

// textRules are tried in order; the first rule with a matching phrase
// wins. More specific rules come first: a "mailbox full" reply also says
// "mailbox", a spam block also says "rejected", an unknown sender also says
// "unknown".
var textRules = []reasonRule{
	{"expired", ordinary, "delay notices, which report a message still queued and retried (RFC 3464 Action: delayed): Sendmail's warning DSN \"THIS IS A WARNING MESSAGE ONLY / YOU DO NOT NEED TO RESEND YOUR MESSAGE\" (sent after Timeout.queuewarn), Postfix bounce(5) delay template \"THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE.\", Exchange/IIS \"THIS IS A WARNING MESSAGE ONLY.\": first, since a warning quotes the last attempt's reply, which is never final (see delayNotice)",
		delayNotices},
	{"hostunknown", directory, "Exim as configured by cPanel: its whole message for a domain that does not resolve (\"The account or domain may not exist, they may be blacklisted, or missing the proper dns entries\")",
		[]string{
			// The whole sentence first, so that its own "may be
			// blacklisted" is part of the phrase and not read as a
			// contradicting block-list refusal.
			"account or domain may not exist, they may be blacklisted, or missing the proper dns entries",
			"account or domain may not exist",
		}},
	{"networkerror", ordinary, "Postfix smtp(8) DNS lookups (dns_lookup.c): \"Host not found, try again\" is temporary, \"Name service error ... Malformed or unexpected name server reply\" is a broken name server, not a missing domain",
		[]string{"host not found, try again", "temporary failure in name resolution", "malformed or unexpected name server reply", "malformed name server reply"}},
	{"contenterror", ordinary, "refusals of a message with a bare LF, a line ending without CR (RFC 5321 section 2.3.8: CR and LF only as CRLF): Postfix smtpd(8) smtpd_forbid_bare_newline \"Error: bare <LF> received\"; qmail-smtpd \"451 See http://pobox.com/~djb/docs/smtplf.html\"; Exchange Online 5.6.11 \"SMTPSEND.BareLinefeedsAreIllegal\" (Microsoft's NDR reference): the sender's software, not the recipient; first, so that the rejection wording around it is not read as a filter",
		[]string{"bare <lf>", "bare lf", "barelinefeedsareillegal", "bare linefeed", "docs/smtplf"}},
	{"rejected", ordinary, "Google Groups: the sender may not post",
		[]string{"you may not have permission to post"}},
	{"filtered", ordinary, "KDDI (au, ezweb.ne.jp) answers its subscribers' reception filters with \"550 : User unknown\"",
		[]string{"550 : user unknown"}},
	{"filtered", overrules, "the recipient's own filter or rules named as what refused the message: an RFC 5429 Sieve reject (\"Message rejected by the recipient's Sieve filter\"), the server-side rules and mail filters of a mailbox (CommuniGate Pro Account Rules, \"rejected by the recipient's Rules\"; MailEnable mailbox filters, \"blocked by the recipient's mail filter\"): RFC 3463 X.7.1 \"delivery not authorized, message refused\" by an address that exists; before the sender and block rules, whose \"sender is not\" and \"blocked\" such a refusal also says",
		[]string{"recipient's mail filter", "recipient's filter", "recipient's sieve filter", "recipient's rules", "recipient's mail rules", "recipient's filtering rules"}},
	{"rejected", ordinary, "the MAIL FROM address said not to exist (\"From address does not exist\") is the sender's, not the recipient's (RFC 5321 section 3.3; RFC 3463 X.1.7/X.1.8): before the directory phrase \"address does not exist\", which it also says",
		[]string{"from address does not", "from address doesn't", "sender address does not exist"}},
	{"rejected", ordinary, "the envelope sender said unknown or not to exist in the languages of localized bounce templates (RFC 3463 X.1.7/X.1.8; Chinese \"发件人地址不存在\", the sender address does not exist; German \"Absender\", Italian \"mittente\", Spanish \"remitente\", Portuguese \"remetente\", French \"expéditeur\", Russian \"отправител\", Dutch \"afzender\", Polish \"nadawca\", Czech \"odesílatel\" with \"unknown\"/\"does not exist\"): the sender's address, not the recipient's; before the localized directory and unknown-user phrases",
		[]string{
			"发件人地址不存在", "发件人邮箱地址不存在", "发件人不存在", "absender unbekannt", "absender existiert nicht",
			"absenderadresse existiert nicht", "mittente sconosciuto", "mittente inesistente", "remitente desconocido",
			"remitente no existe", "remetente desconhecido", "remetente não existe", "expéditeur inconnu",
			"отправитель не найден", "отправителя не существует",
			"afzender onbekend", "onbekende afzender", "afzender bestaat niet", "nieznany nadawca",
			"nadawca nie istnieje", "neznámý odesílatel", "odesílatel neexistuje",
		}},
	{"userunknown", directory, "a mail system about its own directory: Exchange (RESOLVER.ADR.RecipNotFound), IMail, Lotus Notes/Domino, qmail, Gmail, Mercury/32, CommuniGate Pro",
		localUnknown},
	{"userunknown", directory, "the directory statements \"address does not exist\" and \"mailbox does not exist\" (localUnknown) in Russian and Chinese, the languages of the notices of Yandex, Mail.ru, Coremail/NetEase, QQ Mail and Sina: \"адрес получателя не существует\" (the recipient's address does not exist), \"邮箱地址不存在\" (the mailbox address does not exist), \"邮箱不存在\"; Yandex's bounce help counts \"No such user\" as a non-existing address (https://yandex.com/support/mail/bounces/yandex.html)",
		[]string{"адрес получателя не существует", "ящик получателя не существует", "почтовый ящик не существует", "邮箱地址不存在", "邮箱不存在"}},
	{"userunknown", directory, "X.400 non-delivery reports (ITU-T X.411 section 8.3.1.2.1.8, NonDeliveryDiagnosticCode 0 \"unrecognised-OR-name\": the O/R name does not identify a user the MTS knows), as X.400 gateways and Exchange's X.400 connector print them: the message transfer system's statement about its own directory",
		[]string{"unrecognised-or-name", "unrecognized-or-name", "unrecognised or-name", "unrecognized or-name"}},
	{"spamdetected", ordinary, "Gmail SMTP error reference (https://support.google.com/a/answer/3726730) 421/550 4.7.0, 4.7.28, 5.7.1 \"Our system has detected an unusual rate of unsolicited mail originating from your IP address\" (and, in Gmail's current replies, \"... from your DKIM domain\", \"... from your SPF domain\"): Gmail's finding that the mail is unsolicited, not an authentication failure; before the SPF/DKIM rule, whose \"SPF domain\" and \"DKIM domain\" it also says",
		[]string{"unusual rate of unsolicited", "rate of unsolicited mail"}},
	{"authfailure", ordinary, "RFC 7208 (SPF), RFC 6376 (DKIM), RFC 7489 (DMARC) rejections",
		[]string{"dmarc", "spf", "dkim", "sender authentication", "sender id"}},
	{"authfailure", ordinary, "Exchange Online 5.7.23 \"The message was rejected because of Sender Policy Framework violation\" (Microsoft's NDR reference): SPF spelt out, before the policy rule, whose \"policy\" it also says",
		[]string{"sender policy framework"}},
	{"policyviolation", ordinary, "policy refusals (Postfix, Exchange, Gmail wording)",
		[]string{"by policy", "policy reasons", "policy violation", "violates", "content policy"}},
	{"spamdetected", ordinary, "URI block lists (SURBL, URIBL: RFC 5782 domain-name lists queried for the links in a message's body) named in the refusal: a verdict on the content, not on the sending host; before the block-list rule, whose words such a refusal also has",
		[]string{"uribl", "surbl", "blacklisted url", "blocklisted url", "blacklisted link", "url in message", "uri in message"}},
	{"blocked", ordinary, "DNS block lists (RFC 5782) named in the refusal",
		[]string{
			"spamhaus", "blocked using", "dnsbl", "blacklist", "black list", "blocklist", "block list",
			"spamcop", "sorbs", "barracudacentral", "listed at", "listed on", "listed in",
		}},
	{"blocked", ordinary, "\"blacklist\" (a DNS block list, RFC 5782) in the languages of provider replies and localized notices: Spanish and Portuguese \"lista negra\", French \"liste noire\", Italian \"lista nera\", German \"schwarze Liste\", Dutch \"zwarte lijst\", Polish \"czarna lista\", Czech \"černá listina\", Russian \"чёрный список\", Chinese \"黑名单\", Japanese \"ブラックリスト\", Korean \"블랙리스트\": each the plain translation of the English word of the rule above, a refusal of the sending host, never hard",
		[]string{
			"lista negra", "liste noire", "lista nera", "schwarze liste", "schwarzen liste", "zwarte lijst",
			"czarna lista", "czarnej liście", "černá listina", "černé listině", "черный список", "чёрный список",
			"черном списке", "чёрном списке", "黑名单", "ブラックリスト", "블랙리스트",
		}},
	{"blocked", ordinary, "greylisting (RFC 6647: a receiver temporarily refuses a sender it has not seen, expecting a real MTA to retry): milter-greylist \"451 4.7.1 Greylisting in action, please come back in HH:MM:SS\", Postgrey \"450 4.2.0 Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/...\", Exim's greylistd ACL \"451 4.7.1 Greylisted, please try again later\": a temporary refusal of the sending host, never the recipient; before the rules for \"try again later\", \"recipient address rejected\" and unknown users",
		[]string{"greylist", "graylist", "grey-list", "gray-list", "grey listed", "gray listed"}},
	{"rejected", overrules, "refusals that name the envelope sender as the refused address: Postfix smtpd(8) \"Sender address rejected: ...\" (postconf(5) reject_unknown_sender_domain, reject_unverified_sender, check_sender_access; its reply text for every sender restriction, whatever the detail says, \"User unknown\" included); Exim's ACL \"Sender verify failed\" (Exim specification, verify = sender); RFC 3463 X.1.7/X.1.8 name the sender's address",
		[]string{"sender address rejected", "sender verify failed", "sender rejected"}},
	{"rejected", ordinary, "refusals of the envelope sender (RFC 3463 X.1.7/X.1.8; Postfix \"Sender address rejected\")",
		[]string{
			"domain of sender", "sender domain", "invalid sender", "bad sender",
			"unverified sender", "sender denied", "sender not allowed", "envelope sender",
			"sending domain", // the sender's domain by another name ("Unable to find DNS record for sending domain")
			"sender is not", "sender address is", "sender verification",
		}},
	{"rejected", ordinary, "the envelope sender named as refused or missing: Exchange Online 5.1.8 \"Access denied, bad outbound sender\" (Microsoft's NDR reference), Sendmail/Postfix \"Domain of sender address ... does not exist\", \"... in sender address\"",
		[]string{
			"bad outbound sender", "sender address does not", "sender domain does not",
			"sender does not exist", "in sender address", "sender's domain", "sender's address",
			"sender address has null mx", "sender address has a null mx", "sender verify defer",
		}},
	{"rejected", ordinary, "the envelope sender named unknown (RFC 3463 X.1.7 \"bad sender's mailbox address syntax\", X.1.8 \"bad sender's system address\"): before the unknown-recipient rules, which \"sender address unknown\" also matches",
		[]string{"unknown sender", "sender unknown", "sender address unknown", "sender is unknown"}},
	{"rejected", ordinary, "a recipient's or organisation's list of senders whose mail it refuses, named as the cause: Outlook and Exchange Online junk-mail settings (\"Blocked Senders\" list, Microsoft's Outlook help), Mimecast's \"Blocked Senders\" policies (Mimecast SMTP error codes: \"Rejected by header based Blocked Senders\"), Proofpoint Essentials' per-user blocked senders list: a refusal of this sender, not of the sending host; before the block rule, whose \"blocked\" it also says, and before the unknown-user rules: a refusal of the sender beside a dead address is not hard",
		[]string{"blocked senders", "blocked sender list", "blocked-senders list"}},
	{"requireptr", ordinary, "refusals that name the client's missing reverse DNS (RFC 1912 section 2.1; Postfix reject_unknown_client_hostname; Gmail SMTP error reference 5.7.25 \"does not have a PTR record\"): before the rules below, which such a refusal also matches",
		[]string{"reverse dns", "ptr record", "reverse lookup", "reverse hostname", "no ptr"}},
	{"blocked", ordinary, "Postfix smtpd(8) refusals of the client's HELO/EHLO name (postconf(5) reject_unknown_helo_hostname, reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname): \"Helo command rejected: Host not found\" names the sending host, not the recipient's domain, although Postfix says it in reply to RCPT TO; before the host-unknown rules",
		[]string{"helo command rejected", "ehlo command rejected"}},
	{"requireptr", ordinary, "United Internet (GMX, WEB.DE, 1&1/IONOS) postmaster error messages: \"554-No SMTP service 554-Bad DNS PTR resource record\" refuses a sending host without a valid PTR record",
		[]string{"ptr resource record"}},
	{"filtered", ordinary, "AOL Mail help (\"What is a MAILER-DAEMON message\"): \"550 ... is not accepting mail from this sender\" means the recipient's own privacy or spam settings block this sender: a filter of an existing mailbox; before the block rule, whose \"not accepting mail from\" it also says",
		[]string{"not accepting mail from this sender", "not accepting email from this sender", "not accepting messages from this sender"}},
	{"blocked", ordinary, "a host that does not accept mail FROM someone refuses the sender, not the recipient's domain (RFC 7504 521/556 say a host or domain accepts no mail at all); Gmail SMTP error reference 5.7.25 \"Gmail does not accept messages from IPs with missing PTR records\"",
		[]string{
			"not accept mail from", "not accept messages from", "not accept email from",
			"not accept e-mail from", "not accepting mail from", "not accepting messages from",
			"not accepting email from", "not accept connections from", "not accepting connections",
		}},
	{"blocked", ordinary, "Exchange Online 5.7.510 \"Access denied, [domain] does not accept email over IPv6\" (Microsoft's NDR reference: the recipient's domain refuses the sending host's IPv6 connection, not mail as such); before the null-MX rule, whose \"does not accept email\" it also says",
		[]string{"over ipv6"}},
	{"blocked", ordinary, "Outlook.com postmaster (SC-001 to SC-004, DY-001): \"Unfortunately, messages from [IP] weren't sent. Please contact your Internet service provider ...\" (SC-004: \"... weren't sent. We recommend that you contact your Internet service provider ...\"): a refusal of the sending host's network or reputation; the template's opening names the sending host whatever advice follows it",
		[]string{"weren't sent. please contact your internet service provider", "unfortunately, messages from"}},
	{"blocked", ordinary, "Yahoo Sender Hub SMTP error codes (https://senders.yahooinc.com/smtp-error-codes/): \"553 5.7.2 [TSS09] All messages from [IP] will be permanently deferred; Retrying will NOT succeed\" refuses the sending IP, whatever RFC 3463 says of X.7.2 (mailing list expansion prohibited)",
		[]string{"[tss09]", "will be permanently deferred"}},
	{"blocked", ordinary, "Cisco Secure Email Gateway (IronPort AsyncOS) user guide, host access table: the default SMTP response of the REJECT and BLOCKED_LIST policies, \"554 Your access to this mail system has been rejected due to the sending MTA's poor reputation\", and its variants (\"Your access to submit messages to this e-mail system has been rejected\"): a refusal of the connecting host",
		[]string{"your access to this mail system", "your access to submit messages", "access to this e-mail system has been rejected", "access to this mail system has been rejected"}},
	{"blocked", ordinary, "AOL postmaster error messages: \"521 5.2.1 : AOL will not accept delivery of this message\" and \"(CON:B1)\" refuse a sending server with too much spam, whatever RFC 7504 says of 521; before the null-MX rule",
		[]string{"will not accept delivery", "(con:b1)"}},
	{"suspend", ordinary, "RFC 3463 X.2.1 \"mailbox disabled, not accepting messages\": a mailbox, account or recipient said not to accept mail exists and is closed to it, unlike RFC 7504/7505's host or domain without mail service; before the null-MX rule, whose \"not accepting any mail\" such a reply also says",
		[]string{
			"mailbox is not accepting", "mailbox not accepting", "account is not accepting",
			"recipient is not accepting", "user is not accepting", "mailbox does not accept",
			"recipient does not accept", "user does not accept", "account does not accept",
			"extended inactivity",
		}},
	{"notaccept", ordinary, "RFC 7505 null MX, RFC 7504 521/556 \"does not accept mail\"",
		[]string{
			"null mx", "does not accept mail", "doesn't accept mail", "accepts no mail",
			"domain does not receive mail", "not accepting any mail", "is not accepting mail",
			"does not accept e-mail", "does not accept email", "doesn't accept email",
			"doesn't accept e-mail", "does not receive email", "does not receive e-mail",
			"no mail service", "not accept any mail",
		}},
	{"notaccept", ordinary, "Postfix smtp(8) for an RFC 7505 null MX: \"Domain ... does not accept mail (nullMX)\"; RFC 7504 section 3 (521 \"host does not accept mail\")",
		[]string{"nullmx", "accepts no e-mail", "accepts no email"}},
	{"notaccept", ordinary, "Gmail's DSN for a recipient domain with a null MX (RFC 7505; Gmail SMTP error reference 5.1.10 \"Recipient address has null MX\"): \"Your message wasn't delivered to ... because the domain ... doesn't receive email according to the administrator\"; before the unknown-user rules, whose \"Address not found\" its heading also says",
		[]string{"doesn't receive email", "doesn't receive e-mail", "doesn't receive mail", "does not receive mail"}},
	{"notaccept", ordinary, "Exim's dnslookup router (routers/dnslookup.c) for a domain whose MX or SRV record says it has no SMTP service (an RFC 7505 null MX, RFC 2782 \".\" target): \"an MX or SRV record indicated no SMTP service\"",
		[]string{"indicated no smtp service"}},
	{"networkerror", ordinary, "OpenSMTPD's MTA (smtpd/mta.c) when the MX lookup fails: \"No MX found for domain\" and \"Temporary failure in MX lookup\" are temporary failures (IMSG_DELIVERY_TEMPFAIL); only \"Domain does not exist\" (NXDOMAIN) is permanent",
		[]string{"no mx found for", "temporary failure in mx lookup"}},
	{"norelaying", ordinary, "relay refusals (Postfix \"Relay access denied\", Sendmail \"Relaying denied\")",
		[]string{
			"relay access denied", "relaying denied", "relay denied", "not permitted to relay",
			"relay not permitted", "unable to relay", "we do not relay", "relaying not allowed",
			"not allowed to relay", "relaying mail to", "no relaying", "relay prohibited",
			"is not a gateway", "relay is not allowed", "relaying not permitted",
		}},
	{"norelaying", ordinary, "Zoho (ZeptoMail SMTP error codes) \"553 Relaying disallowed\"; Symantec Email Security.cloud (MessageLabs) \"553-you are trying to use me [server] as a relay, but I have not been configured to let you ... do this\"",
		[]string{"relaying disallowed", "relay disallowed", "as a relay, but i have not been configured"}},
	{"norelaying", ordinary, "qmail-smtpd \"553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\": the host does not relay for that domain",
		[]string{"allowed rcpthosts"}},
	{"norelaying", ordinary, "hMailServer's error messages reference: \"Delivery is not allowed to this address\" is its refusal, after the IP range checks, to relay for a sender to an external address (https://www.hmailserver.com/documentation/v4.4/?page=reference_error_messages)",
		[]string{"delivery is not allowed to this address"}},
	{"virusdetected", ordinary, "virus scanners (ClamAV, amavis, Exchange)",
		[]string{"virus", "malware", "infected", "malicious", "banned attachment"}},
	{"speeding", ordinary, "the sender's own sending quota, not the recipient's storage: Exchange Online 5.2.2 \"STOREDRV.Submission.Exception:SubmissionQuotaExceededException\" (Microsoft's NDR reference: the sender exceeded its sending limits), Gmail SMTP error reference 5.4.5 \"Daily user sending quota exceeded\"; before the mailbox-full rule, whose \"quota exceeded\" these also say",
		[]string{"submissionquotaexceeded", "sending quota", "submission quota", "sending limit"}},
	{"speeding", ordinary, "Exchange Online 5.1.90 \"Your message can't be sent because you've reached your daily limit for message recipients\" (Microsoft's NDR reference: the sender's recipient rate limit); before the mailbox-full rule",
		[]string{"reached your daily limit", "daily limit for message recipients"}},
	{"speeding", ordinary, "limits on what one sender may deliver in an hour: Cisco Secure Email Gateway (AsyncOS) host access table \"452 Too many recipients received this hour\" (its Max. Recipients Per Hour rate limit), Exchange Online 5.2.121 \"per hour message receive limit\": a rate, not a message with too many recipients (RFC 3463 X.5.3); before the recipient-limit rule, whose \"too many recipients\" the Cisco reply also says",
		[]string{"received this hour"}},
	{"mailboxfull", ordinary, "Exchange's mailbox store: \"STOREDRV.Deliver.Exception:QuotaExceededException\" (the recipient's mailbox is over its quota; Exchange Online NDR 5.2.2)",
		[]string{"quotaexceededexception", "quotaexceeded"}},
	{"mailboxfull", ordinary, "RFC 5321 552 \"exceeded storage allocation\", RFC 3463 X.2.2; quota wording of Postfix, Dovecot, Exchange, Gmail",
		[]string{
			"mailbox full", "mailbox is full", "mailbox is over", "mailbox size limit",
			"over quota", "overquota", "quota exceeded", "exceeded quota", "exceed quota",
			"exceeds quota", "quota exceed", "over the quota", "over its quota", "user is over",
			"disk quota", "mailfolder is full", "mail box full", "mailbox has exceeded",
			"account is full", "full mailbox", "insufficient storage", "not enough storage",
			"exceeded storage", "out of storage", "storage quota", "exceeded its storage",
			"mailbox exceeded", "is over the allowed", "mail quota", "quota full", "inbox is full",
			"mailbox quota", "size of the mailbox", "too many messages in", "has exceeded the max",
			"exceeded the quota", "user's mailbox is full", "recipient's mailbox is full",
			"mailbox would exceed", "would exceed mailbox quota", "quota limit",
			"mailbox exceeds", // "mailbox exceeds quota", Ipswitch IMail "User mailbox exceeds allowed size"
		}},
	{"mailboxfull", ordinary, "Postfix local(8) and virtual(8) when a mailbox would pass mailbox_size_limit or virtual_mailbox_limit: \"cannot update mailbox ... error writing message: File too large\" (EFBIG); WEB.DE \"User has exhausted allowed storage space\", \"User has too many messages on the server\"",
		[]string{"error writing message: file too large", "exhausted allowed storage", "too many messages on the server"}},
	{"mailboxfull", ordinary, "\"mailbox full\" (RFC 3463 X.2.2) in the languages of localized bounce templates and provider replies: German (WEB.DE \"Benutzer hat das Speichervolumen ueberschritten\", as listed at http://www.sitepackage.de/service/dokumentation/auswertung/typische-fehlermeldungen-bei-unzustellbarkeit.html; \"422 4.2.2 Quota limit exceeded (Speicherplatz des Kontos ueberschritten)\", https://www.bytecamp.net/de/faq/email/zustellen.html; \"Postfach voll\"), French (\"boîte aux lettres pleine\"), Spanish (\"buzón lleno\"), Portuguese (\"caixa postal cheia\"), Italian (\"casella piena\"), Russian (\"ящик переполнен\"), Chinese (\"邮箱已满\", \"邮箱空间不足\"), Dutch (\"postvak vol\", \"mailbox is vol\"), Polish (\"skrzynka jest pełna\"), Czech (\"schránka je plná\"): each the plain translation of \"mailbox full\", \"mailbox is full\" or \"the recipient's mailbox is full\", never hard",
		[]string{
			"postfach voll", "postfach ist voll", "postfach des empfängers ist voll", "mailbox voll", "mailbox ist voll",
			"speichervolumen ueberschritten", "speichervolumen überschritten", "speicherplatz des kontos ueberschritten",
			"boîte aux lettres pleine", "boite aux lettres pleine", "boîte aux lettres est pleine",
			"boîte aux lettres du destinataire est pleine", "boîte pleine", "boîte de réception est pleine",
			"buzón lleno", "buzón está lleno", "buzón del destinatario está lleno", "caixa postal cheia",
			"caixa postal está cheia", "caixa de correio cheia", "caixa de correio está cheia",
			"caixa de correio do destinatário está cheia", "caixa de entrada cheia", "caixa de entrada está cheia",
			"casella piena", "casella di posta piena", "casella è piena", "casella di posta del destinatario è piena",
			"ящик переполнен", "ящик получателя переполнен", "邮箱已满", "邮箱空间已满", "邮箱容量已满", "邮箱空间不足",
			"postvak vol", "postvak is vol", "mailbox is vol", "mailbox van de ontvanger is vol", "skrzynka jest pełna",
			"skrzynka odbiorcy jest pełna", "skrzynka pocztowa jest pełna", "schránka je plná", "schránka plná",
			"schránka příjemce je plná",
		}},
	{"mailboxfull", ordinary, "\"mailbox full\" (RFC 3463 X.2.2) in Japanese and Korean, the languages of the notices of Japanese providers and carriers (in ISO-2022-JP or Shift_JIS, read as UTF-8: textToUTF8) and of Korean providers (EUC-KR): \"容量がいっぱい\", \"容量超過\", \"容量を超え\" (the capacity is full, exceeded), \"메일함 용량이 초과\", \"메일함이 가득\" (the mailbox's capacity is exceeded, the mailbox is full): each the plain translation of \"mailbox full\" or \"quota exceeded\", never hard",
		[]string{
			"容量がいっぱい", "容量が一杯", "容量オーバー", "容量超過", "容量を超え", "メールボックスがいっぱい", "メールボックスが一杯",
			"용량이 초과", "용량 초과", "용량을 초과", "메일함이 가득", "편지함이 가득",
		}},
	{"mesgtoobig", ordinary, "Gmail SMTP error reference 552 5.3.4 \"Your message exceeded Google's message size limits\"; NetEase/Coremail \"exceeded mailsize limit\"; Exchange \"RESOLVER.RST.RecipSizeLimit\" and \"RESOLVER.RST.SendSizeLimit\" (Microsoft's NDR reference 5.2.3/5.3.4: message too large for the recipient or sender)",
		[]string{"message size limit", "mailsize limit", "recipsizelimit", "sendsizelimit"}},
	{"mesgtoobig", ordinary, "RFC 1870 SIZE, RFC 3463 X.3.4 \"message too big for system\"",
		[]string{
			"message too large", "message is too large", "message too big", "message is too big",
			"message too long", "message is too long", // IceWarp (Merak) "501 5.7.1 Message is too long"
			"message size exceeds", "exceeds the maximum size", "exceeds size limit",
			"size exceeds", "message exceeds", "message length exceeds", "too large for",
			"exceeded the maximum message size", "exceeds maximum", "maximum message size",
			"message file too big", "mail size limit", "size limit exceeded",
			"size limit",                                  // a limit on size: "mail size limit exceeded", "exceeds the size limit" (a mailbox's size limit is the mailbox-full rule's, which comes first)
			"line limit exceeded", "line length exceeded", // RFC 5321 section 4.5.3.1.6: a text line is at most 1000 octets
		}},
	{"hasmoved", ordinary, "RFC 5321 551 \"User not local\", RFC 3463 X.1.6 \"mailbox has moved\"",
		[]string{
			"has moved", "address has changed", "no longer at this address", "user has moved",
			"mailbox has moved", "has been moved", "moved permanently", "user not local",
		}},
	{"expired", ordinary, "Postfix \"delivery temporarily suspended\": a destination held back after temporary failures, which bounces only once maximal_queue_lifetime has passed (postconf(5)); before the suspended-mailbox rule, whose \"suspended\" it also says",
		[]string{"delivery temporarily suspended"}},
	{"suspend", ordinary, "RFC 3463 X.2.1 \"mailbox disabled\"; disabled-account wording of Gmail, Yahoo, Outlook.com",
		[]string{
			"account disabled", "account is disabled", "account has been disabled",
			"mailbox disabled", "mailbox is disabled", "mailbox has been disabled",
			"disabled or discontinued", "suspended", "is inactive", "mailbox inactive",
			"account inactive", "inactive account", "inactive mailbox", "deactivated",
			"account is locked", "account has been locked", "mailbox is frozen", "account expired", "account is expired", "account has expired",
			"not active", "is no longer active", "has been terminated", "blocked mailbox",
			"mailbox not active", "discontinued", "user account disabled", "temporarily disabled",
			"is disabled", "has been disabled", "account is unavailable", "mailbox unavailable or inactive",
		}},
	{"networkerror", ordinary, "DNS lookups that failed rather than found the domain missing: RFC 1035 section 4.1.1 rcode 2 SERVFAIL (\"the name server was unable to process this query\"), which RFC 2308 section 7.1 makes a temporary failure, as Gmail's DSNs report it (\"DNS Error: ... responded with code SERVFAIL\", \"Could not contact DNS servers\", \"DNS server returned general failure\"); before the host-unknown rule: a broken or unreachable name server says nothing of the recipient's domain",
		[]string{"servfail", "could not contact dns servers", "dns server returned general failure"}},
	{"hostunknown", ordinary, "RFC 3463 X.1.2/X.4.4; resolver wording (Postfix \"Host or domain name not found\", Exim \"Unrouteable address\", NXDOMAIN)",
		[]string{
			"host not found", "host unknown", "unknown host", "domain not found",
			"domain does not exist", "domain doesn't exist", "no such domain", "unknown domain",
			"nxdomain", "name or service not known", "unrouteable mail domain",
			"host or domain name not found", "domain name not found", "no mx record",
			"illegal host/domain", "no valid mx", "domain is invalid", "invalid domain",
			"unresolvable", "domain unknown", "no such host", "hostname not found",
			"could not be resolved", "mx lookup failed", "unknown mail domain",
			"domain lookup failed", "non-existent domain", "nonexistent domain",
			"not a valid domain", "bad destination system address", "no mail exchanger",
			"domain is not reachable", "unrouteable address", "domain name does not exist",
			"domain does not resolve", "mx record not found", "no mx or a record", "domain has no mx",
		}},
	{"hostunknown", ordinary, "resolver failures as the MTAs document them: qmail-remote \"Sorry, I couldn't find any host named ... (#5.1.2)\"; Exim \"all relevant MX records point to non-existent hosts\"; Exchange Online 5.4.4 \"SMTPSEND.DNS.NonExistentDomain; nonexistent domain\" and 5.4.310 \"DNS domain ... does not exist\" (Microsoft's NDR reference)",
		[]string{
			"couldn't find any host", "could not find any host", "point to non-existent hosts",
			"nonexistentdomain", "non-existent host", "no such host or domain", "unknown domain name",
		}},
	{"hostunknown", ordinary, "a domain with no address records (RFC 5321 section 5.1: with neither MX nor address records the domain cannot take mail): CommuniGate Pro's SMTP module \"SMTP module(domain x) reports: x: no DNS A-data returned\", its resolver's finding that the name has no A record",
		[]string{"no dns a-data", "no a-data returned"}},
	{"hostunknown", ordinary, "qmail-remote \"Sorry, I couldn't find a mail exchanger or IP address. (#5.4.4)\" (the whole sentence, so that its \"IP address\" is not read as a refusal of the sending host); Gmail SMTP error reference 553 5.1.2 \"We weren't able to find the recipient domain\"",
		[]string{"couldn't find a mail exchanger or ip address", "find the recipient domain"}},
	{"hostunknown", ordinary, "the non-delivery templates of two mail systems for a recipient domain that does not resolve: Software.com Post.Office (later Openwave, the mail system of Verizon and the MXLogic gateway) \"Your message was not delivered because the destination computer was not found. Carefully check that it was spelled correctly\" (its queue-expiry twin says \"the destination computer was not reachable\"); Exchange 2000/2003 for 5.4.0 (\"DNS lookup failure\" in Microsoft's list of Exchange NDR codes) \"The destination server for this recipient could not be found in Domain Name Service (DNS). Please verify the e-mail address\"",
		[]string{"destination computer was not found", "destination server for this recipient could not be found"}},
	{"hostunknown", ordinary, "resolver statements that the recipient's domain has no mail server, the same finding as \"no mail exchanger\" (RFC 5321 section 5.1: neither MX nor address records): hMailServer's SMTP error \"No mail servers appear to exists for the recipients address\" (hMailServer documentation, error messages), Exchange/IIS \"Unable to deliver to ... no mail server\"",
		[]string{"no mail servers appear to exist", "no mail server for"}},
	{"userunknown", ordinary, "Yandex Mail's refusal of an address it does not have, \"550 5.7.1 No such user!\" (Yandex's bounce help lists \"No such user\" as a non-existing address: https://yandex.com/support/mail/bounces/yandex.html): its exact wording, with the exclamation mark, counts as a dead address under X.7.1 too (policyStatusUnknown); a bare \"5.7.1 No such user\" stays a policy refusal",
		policyStatusUnknown},
	{"userunknown", ordinary, "RFC 3463 X.1.1; unknown-user wording of Postfix (\"User unknown in ... table\"), Sendmail (\"User unknown\"), Exim (\"Unknown user\"), Exchange, Gmail, Yahoo",
		[]string{
			"user unknown", "unknown user", "no such user", "no such mailbox", "no such recipient",
			"no such account", "no such person", "unknown recipient", "recipient unknown",
			"recipient not found", "recipientnotfound", "recipnotfound", "user not found",
			"mailbox not found", "mailbox does not exist", "invalid recipient", "invalid mailbox",
			"invalid user", "unknown address", "address unknown",
			"address not found", "unknown local part", "no mailbox here", "not a valid mailbox",
			"is not a known user", "unknown or illegal alias", "bad destination mailbox",
			"user not exist", "addressee unknown", "user invalid",
			"account does not exist", "recipient address rejected: user", "unknown account",
			"unknown alias", "unknown mailbox", "user doesn't have", "user does not have",
			"not a known user", "user is unknown", "recipient invalid", "recipient does not exist",
			"no such address", "unknown e-mail address", "invalid email address",
			"user does not exist", "user doesn't exist", "mailbox doesn't exist",
			"account doesn't exist", "recipient doesn't exist", "user not known", "mailbox unknown",
			"not a valid recipient", "recipient is not valid", "unknown or illegal user",
			"no account by that name", "not a valid user", "recipient not recognized", "no such mail box",
		}},
	{"userunknown", ordinary, "\"user unknown\" and \"user does not exist\" (RFC 3463 X.1.1) in the languages of localized bounce templates and provider replies, ordinary like their English forms (a dead address only with a status code, a 550/551/553 reply, RCPT TO or a notice that the delivery failed for good): German (WEB.DE \"550 Benutzer nicht bekannt/User unknown\", as listed at http://www.sitepackage.de/service/dokumentation/auswertung/typische-fehlermeldungen-bei-unzustellbarkeit.html; \"Empfänger unbekannt\", \"Benutzer existiert nicht\"), French (\"utilisateur inconnu\", \"destinataire inconnu\"), Spanish (\"usuario desconocido\", \"usuario no existe\"), Portuguese (\"usuário desconhecido\", \"usuário inexistente\"), Italian (\"utente sconosciuto\", \"utente inesistente\"), Russian (\"пользователь не найден\", \"нет такого пользователя\"), Chinese (\"用户不存在\", \"收件人不存在\"), Dutch (\"onbekende gebruiker\", \"ontvanger onbekend\"), Polish (\"nieznany użytkownik\", \"użytkownik nie istnieje\"), Czech (\"neznámý uživatel\", \"adresát neexistuje\"), Ukrainian (\"користувача не знайдено\"), Turkish (\"kullanıcı bulunamadı\"), Hungarian (\"ismeretlen felhasználó\", \"a címzett nem létezik\"); each the plain translation of an English phrase of the rule above, which the unknown-user rules of every MTA share",
		[]string{
			"benutzer unbekannt", "unbekannter benutzer", "benutzer nicht bekannt", "benutzer existiert nicht",
			"empfänger unbekannt", "unbekannter empfänger", "empfänger existiert nicht", "empfängeradresse existiert nicht",
			"postfach existiert nicht", "utilisateur inconnu", "destinataire inconnu", "utilisateur inexistant",
			"adresse inexistante", "usuario desconocido", "destinatario desconocido", "usuario inexistente",
			"usuario no existe", "buzón no existe", "usuário desconhecido", "utilizador desconhecido",
			"destinatário desconhecido", "usuário inexistente", "usuário não existe", "utente sconosciuto",
			"destinatario sconosciuto", "utente inesistente", "indirizzo inesistente", "utente non esiste",
			"пользователь не найден", "нет такого пользователя", "такого пользователя нет",
			"пользователь не существует", "получатель не найден", "用户不存在", "收件人不存在", "用户名不存在",
			// Dutch, Polish, Czech, Ukrainian, Turkish and Hungarian.
			"onbekende gebruiker", "gebruiker onbekend", "gebruiker bestaat niet", "onbekende ontvanger",
			"ontvanger onbekend", "nieznany użytkownik", "użytkownik nie istnieje", "nie ma takiego użytkownika",
			"nieznany adresat", "adresat nie istnieje", "neznámý uživatel", "uživatel neexistuje",
			"neznámý adresát", "adresát neexistuje", "користувача не знайдено", "користувач не існує",
			"адресата не існує", "kullanıcı bulunamadı", "kullanici bulunamadi", "ismeretlen felhasználó",
			"nem létező felhasználó", "a címzett nem létezik",
		}},
	{"userunknown", ordinary, "\"user unknown\" and \"address does not exist\" (RFC 3463 X.1.1) in Japanese and Korean notices, ordinary like their English forms (a dead address only with a status code, a 550/551/553 reply, RCPT TO or a notice that the delivery failed for good): \"存在しないメールアドレス\", \"ユーザーが存在しません\" (the address, the user does not exist), \"존재하지 않는 사용자\", \"메일 주소가 존재하지 않습니다\" (the user, the mail address does not exist): each the plain translation of an English phrase of the unknown-user rule",
		[]string{
			"存在しないメールアドレス", "メールアドレスが存在しません", "ユーザーが存在しません", "ユーザが存在しません", "宛先が存在しません",
			"존재하지 않는 사용자", "존재하지 않는 메일 주소", "존재하지 않는 주소", "메일 주소가 존재하지 않습니다",
			"사용자가 존재하지 않습니다", "수신자가 존재하지 않습니다",
		}},
	{"userunknown", ordinary, "unknown-recipient texts as the vendors document them: Exim \"unknown local-part ... in domain\"; Exchange \"The email address you entered couldn't be found\" (Microsoft's NDR reference for 5.1.1/5.1.10); Coremail's bounce notes (\"unavailable mail user\", \"user not known\", \"recipient does not have an account\", \"not user of this server\"); Barracuda \"cuda_nsu\" (no such user); Exchange Online \"x wasn't found at example.com\"",
		[]string{
			"unknown local-part", "couldn't be found", "could not be found at", "unavailable mail user",
			"does not have an account", "not user of this server", "cuda_nsu", "no such recipient here",
			// Exchange Online's NDR for 5.1.10 ("x wasn't found at
			// example.com"): an ordinary phrase, which its 5.1.10 backs.
			"wasn't found at",
		}},
	{"userunknown", ordinary, "Exchange Online directory-based edge blocking: \"550 5.4.1 Recipient address rejected: Access denied\" means the recipient is not in the directory (Microsoft's NDR documentation); Postfix says the same words with 554 5.7.1 when a check_recipient_access table REJECTs the recipient without a text of its own (access(5)): a site's policy on that address, counted as a dead address only at RCPT TO, where it names the refused recipient",
		[]string{"recipient address rejected: access denied"}},
	{"userunknown", weak, "generic RFC 5321 section 4.2.2 reply texts (\"550 Requested action not taken: mailbox unavailable\", \"553 mailbox name not allowed\"), said for policy refusals too",
		[]string{
			"mailbox unavailable", "mailbox is unavailable", "mailbox not available", "no mailbox",
			"does not exist", "doesn't exist", "not exist", "invalid address", "not our customer",
			"no valid recipients", "undeliverable address", "mailbox name not allowed",
		}},
	{"userunknown", weak, "Cisco Secure Email Gateway (IronPort AsyncOS) user guide, LDAP acceptance queries: \"550 #5.1.0 Address rejected\" is the default SMTP response to a recipient the directory does not hold; weak like the RFC 5321 texts: a dead address only at RCPT TO or with an address status",
		[]string{"#5.1.0 address rejected"}},
	{"requireptr", ordinary, "refusals of clients without reverse DNS (RFC 1912 section 2.1; Postfix reject_unknown_client_hostname)",
		[]string{
			"reverse dns", "reverse lookup", "ptr record", "no ptr", "rdns", "reverse hostname",
			"cannot find your hostname", "cannot resolve your address", "reverse address",
			"reverse dns lookup", "ip name lookup failed", "find your hostname",
			"does not resolve to", "client host rejected: cannot find",
		}},
	{"securityerror", ordinary, "refusals of the SMTP client's own authentication (RFC 4954 section 6: 535 5.7.8 \"Authentication credentials invalid\"; Postfix smtpd(8) SASL \"535 5.7.8 Error: authentication failed\"; Exchange Online 5.7.57 \"Client not authenticated to send mail\", Microsoft's NDR reference): the sending server's login, not the message's SPF/DKIM/DMARC results; before the authentication-results rule, whose \"not authenticated\" and \"authentication failed\" they also say",
		[]string{"authentication credentials invalid", "error: authentication failed", "client not authenticated", "client was not authenticated"}},
	{"authfailure", ordinary, "RFC 7372 X.7.20-X.7.26 authentication results",
		[]string{"not authenticated", "unauthenticated", "authentication failed", "failed authentication"}},
	{"securityerror", ordinary, "RFC 3207 STARTTLS, RFC 4954 AUTH, RFC 3463 X.7.x security",
		[]string{
			"tls required", "must issue a starttls", "starttls", "encryption required",
			"authentication required", "insecure", "tls is required",
		}},
	{"securityerror", ordinary, "refusals for missing authentication or encryption as documented: Exchange Online 5.7.1 \"Client does not have permissions to send as this sender\", 5.7.13x \"RESOLVER.RST.AuthRequired\", 5.7.57 \"Client was not authenticated\" (Microsoft's NDR reference); RFC 4954 530 \"Authentication required\"; Postfix smtp(8) TLS failures (\"certificate verification failed\")",
		[]string{
			"authentication is required", "requires authentication", "must authenticate",
			"authrequired", "smtp auth", "not have permission", "permission to send",
			"certificate verification", "certificate not verified", "tls negotiation failed",
		}},
	{"securityerror", ordinary, "TLS failures as the MTAs report them: Exchange/Exchange Online \"454 4.7.5 certificate validation failure\" (Microsoft's hybrid mail-flow documentation), Postfix smtp(8) \"Cannot start TLS: handshake failure\" and \"Server certificate not trusted\" (Postfix TLS_README), Postfix smtpd(8) \"454 4.7.0 TLS not available due to local problem\"",
		[]string{
			"certificate validation", "handshake failure", "tls handshake", "tls not available",
			"certificate not trusted", "untrusted certificate", "certificate has expired",
		}},
	{"securityerror", ordinary, "Gmail SMTP error reference 552 5.7.0 \"This message was blocked because its content presents a potential security issue\" (a blocked file type): before the block rule, whose \"blocked\" it also says",
		[]string{"potential security issue"}},
	{"securityerror", ordinary, "Mimecast SMTP error codes: \"554 Email rejected due to security policies\", a refusal by the recipient organisation's security policies (https://community.mimecast.com/s/article/Mimecast-SMTP-Error-Codes-842605754)",
		[]string{"due to security policies", "due to security policy"}},
	{"spamdetected", ordinary, "content filters (SpamAssassin, Gmail, Outlook.com, Yahoo spam wording)",
		[]string{
			"spam", "junk mail", "bulk mail", "unsolicited", "ube", "content reject",
			"message content", "content filter", "rejected by content", "looks suspicious",
			"suspicious", "phish",
		}},
	{"spamdetected", ordinary, "Tencent QQ Mail \"550 Mail content denied\" (its help page no. 1000726: content reported as spam by many users); NetEase (163.com, 126.com) bounce codes \"DT:SPM\" (the body has the marks of spam)",
		[]string{"mail content denied", "dt:spm"}},
	{"badreputation", ordinary, "reputation refusals (Gmail, Outlook.com, Yahoo)",
		[]string{"reputation", "sender score"}},
	{"toomanyconn", ordinary, "Tencent QQ Mail \"550 Ip frequency limited\", \"Domain frequency limited\", \"Sender frequency limited\", \"Connection frequency limited\" (help page no. 1000725): how often one IP, domain or sender may deliver; before the block rule, whose \"Blocked IP\" the reply also says",
		[]string{"frequency limited"}},
	{"toomanyconn", ordinary, "Exim smtp_accept_max_per_host (Exim specification, main options): \"421 Too many concurrent SMTP connections from this IP address; please try again later\"; Postfix anvil(8) limits (smtpd_client_connection_count_limit) \"421 4.7.0 Error: too many connections from [IP]\": a limit on the client's connections, before the block rule, whose \"IP address\" the reply also says",
		[]string{"too many concurrent smtp connections", "too many connections from"}},
	{"blocked", ordinary, "refusals of the sending host (Postfix \"Client host rejected\", block lists, provider IP blocks)",
		[]string{
			"blacklist", "black list", "blocklist", "block list", "blocked", "listed at",
			"listed on", "listed in", "dnsbl", "rbl", "spamhaus", "spamcop", "barracuda",
			"client host rejected", "banned", "your ip", "ip address", "access denied",
			"not allowed to send", "refused to talk",
			"rejected because", "poor reputation", "not permitted", "host rejected",
			"deferred due to", "user complaints", "unexpected volume", "service refused",
		}},
	{"toomanyconn", ordinary, "RFC 3463 X.4.5 \"mail system congestion\"; connection limits",
		[]string{
			"too many connections", "too many concurrent", "connection limit",
			"too many sessions", "too many simultaneous", "connection rate limit",
		}},
	{"speeding", ordinary, "limits on the messages one sender may send in an hour or a day: Outlook.com postmaster, RP-001 to RP-003 (\"421 RP-001 ... Unfortunately, some messages from [IP] weren't sent. Please try again. We have limits for how many messages can be sent per hour and per day\"): a sending rate, retried, never the recipient; before the block rule, whose \"messages from\" opening the reply shares",
		[]string{"limits for how many messages", "messages can be sent per hour", "per hour and per day"}},
	{"speeding", ordinary, "RFC 3463 X.7.28 (RFC 7372) rate limits",
		[]string{
			"rate limit", "too many messages", "throttl", "sending rate", "too fast",
			"rate exceeded", "message rate",
		}},
	{"speeding", ordinary, "rspamd's ratelimit module (src/plugins/lua/ratelimit.lua: set_pre_result(soft reject, \"Ratelimit exceeded\")) when a sender's, IP's or recipient's bucket is over its rate; one word, so before the X.5.3 too-many-recipients rule, whose \"limit exceeded\" it also says",
		[]string{"ratelimit"}},
	{"speeding", ordinary, "Gmail SMTP error reference 4.2.1/5.2.1 \"The user you are trying to contact is receiving mail too quickly\" / \"at a rate that prevents additional messages from being delivered\"; Rackspace \"Mailbox received too much email in a short period of time\"",
		[]string{"receiving mail too quickly", "receiving mail at a rate", "too much email in a short", "too much mail in a short"}},
	{"speeding", ordinary, "Gmail SMTP error reference 450/550 4.2.1/5.2.1 in its current wording \"receiving email too quickly\", \"receiving email at a rate\"; Exchange Online 5.2.121/5.2.122 \"RecipientThrottled; Recipient's per hour message receive limit ... exceeded\" (Microsoft's NDR reference)",
		[]string{"receiving email too quickly", "receiving email at a rate", "recipientthrottled", "message receive limit"}},
	{"policyviolation", ordinary, "Exim's ACL refusal \"Administrative prohibition\" (Exim specification, chapter on access control lists); Mimecast SMTP error codes (\"Administrative prohibition\", \"Anti-Spoofing policy\", \"Envelope blocked\")",
		[]string{"administrative prohibition", "anti-spoofing", "spoofed", "envelope blocked"}},
	{"exceedlimit", ordinary, "RFC 3463 X.5.3 \"too many recipients\"",
		[]string{"too many recipients", "recipient limit", "exceeds the limit", "limit exceeded"}},
	{"policyviolation", ordinary, "RFC 3463 X.7.1 \"delivery not authorized\" wording",
		[]string{"policy", "violat", "prohibited", "not allowed"}},
	{"expired", ordinary, "queue lifetimes as the MTAs word them: Sendmail's Timeout.queuereturn and Timeout.queuewarn notices \"Cannot send message for 5 days\", \"Warning: could not send message for past 4 hours\"; Exim \"all hosts for ... have been failing for a long time\"; after the dead-address rules, so that a template's \"cannot send message for the following reason: user unknown\" stays what it says",
		[]string{"cannot send message for", "could not send message for past", "have been failing for a long time"}},
	{"expired", ordinary, "RFC 3463 X.4.7 \"delivery time expired\"; queue-lifetime wording of Postfix, Sendmail, Exim, qmail",
		[]string{
			"retry time not reached", "retry timeout exceeded", "delivery time expired",
			"message expired", "expired", "giving up", "too long in queue", "queue too long",
			"could not be delivered within", "has not been delivered", "was not delivered for",
			"undeliverable for", "timed out", "timeout", "time out", "have been unable to deliver",
			"delivery attempts will continue", "will be retried", "still trying",
			"has been delayed", "delivery is delayed", "not yet been delivered",
		}},
	{"networkerror", ordinary, "DNS lookups that failed, not domains found missing: Exchange Online 5.4.312 \"DNS query failed\" (Microsoft's NDR reference); Exim \"host lookup did not complete\" (a lookup that timed out, retried under the retry rules); Coremail \"DNS query error\"",
		[]string{"dns query failed", "dns query error", "host lookup did not complete"}},
	{"networkerror", ordinary, "Exim's smtp transport when the remote host drops the session: \"Remote host closed connection in response to RCPT TO\" (a lost connection, retried)",
		[]string{"closed connection in response to"}},
	{"networkerror", ordinary, "RFC 3463 X.4.x network and routing status; socket errors",
		[]string{
			"connection refused", "no route to host", "network is unreachable",
			"host is unreachable", "could not connect", "couldn't connect", "unable to connect",
			"lost connection", "connection reset", "connection closed", "connection dropped",
			"mail loop", "loops back to myself", "too many hops", "routing loop", "hop count exceeded",
			"dns lookup", "name server", "temporary lookup failure", "connection timed out",
			// A DNS error that the host-unknown rules (NXDOMAIN, "domain
			// name not found") do not name is a lookup that failed.
			"dns error",
			"network error", "unreachable",
		}},
	{"filtered", overrules, "the recipient's own choice to refuse the message (RFC 3463 X.7.1 \"delivery not authorized, message refused\"; Facebook's SMTP response codes RCP-P1/RCP-P2 \"Refused due to recipient preferences\"): the address exists, so a 5.1.1 beside it does not make it dead",
		[]string{
			"refused by recipient", "rejected by recipient", "recipient refuses", "user refuses",
			"recipient preferences",
		}},
	{"filtered", ordinary, "recipient-side filters (RFC 3463 X.7.1 \"delivery not authorized\")",
		[]string{
			"filtered", "mail filter", "does not accept", "not accepting",
			"delivery not authorized", "not authorized", "not authorised", "restricted",
			"delivery to this recipient is not allowed", "message rejected",
		}},
	{"filtered", ordinary, "Zoho \"541 5.4.1 Mail rejected by destination domain\": the receiving domain's own mail filters",
		[]string{"rejected by destination domain"}},
	{"rejected", ordinary, "refusals of the MAIL FROM address",
		[]string{"from address", "mail from"}},
	{"notcompliantrfc", ordinary, "RFC 5322 header checks (Gmail, Postfix header_checks)",
		[]string{
			"rfc 5322", "rfc5322", "rfc 2822", "rfc2822", "rfc 822", "not rfc compliant",
			"multiple from", "duplicate header", "multiple addresses in from",
		}},
	{"contenterror", ordinary, "RFC 3463 X.6.x media errors",
		[]string{
			"illegal attachment", "invalid character", "content error", "8-bit", "8bit",
			"invalid mime", "mime error",
		}},
	{"contenterror", ordinary, "Gmail SMTP error reference 554 5.6.0 \"Email message is malformed. Not accepted.\"",
		[]string{"message is malformed"}},
	{"mailererror", ordinary, "local delivery programs (Sendmail prog mailer, procmail, Postfix pipe(8)); the shell's \"command not found\" (POSIX sh, exit status 127) that Postfix pipe(8) and Exim's pipe transport return as the program's output",
		[]string{
			"mailer error", "command failed", "procmail", "exit code", "pipe to",
			"unknown mailer error", "command died", "program exited", "command not found",
		}},
	{"mailererror", ordinary, "local delivery programs as their MTAs document them: Postfix pipe(8) \"Command died with status N\", \"Command time limit exceeded\", \"Command output:\"; Exim's pipe transport \"Child process of ... transport returned N ... from command:\"; qmail-local \"Unable to run\"",
		[]string{
			"command output", "command time limit", "child process of", "transport returned",
			"from command:", "unable to run", "pipe transport", "delivery program",
		}},
	{"syntaxerror", ordinary, "RFC 5321 500/501/503 replies; Exim's bounce for addresses it cannot parse (\"recipient addresses that were incorrectly constructed\")",
		[]string{
			"incorrectly constructed",
			"syntax error", "command unrecognized", "unrecognized command",
			"bad sequence of commands", "command not recognized",
		}},
	{"systemfull", ordinary, "Sendmail \"452 4.4.5 Insufficient disk space; try again later\" (the receiving system's queue file system is short of space): before the system-error rule, whose \"try again later\" it also says",
		[]string{"insufficient disk space"}},
	{"systemerror", ordinary, "qmail-smtpd's replies for a failure of qmail-queue(8) on the receiving host (exit codes 53-81: \"451 qq trouble in home directory (#4.3.0)\", \"qq temporary problem\", \"qq write error or disk full\", \"qq internal bug\"): the receiving system's own trouble, not the mailbox's",
		[]string{"qq trouble", "qq temporary problem", "qq write error", "qq read error", "qq internal bug", "qq out of memory", "qq timeout"}},
	{"systemfull", ordinary, "RFC 3463 X.3.1 \"mail system full\"",
		[]string{"system full", "insufficient system storage", "out of disk", "no space left"}},
	{"systemerror", ordinary, "RFC 3463 X.3.x mail system status; RFC 5321 421/451/554 texts",
		[]string{
			"system error", "internal error", "server error", "local error", "local problem",
			"configuration error", "system config", "temporary failure", "system failure",
			"try again later", "service unavailable", "not available", "service currently unavailable",
		}},
	{"onhold", ordinary, "explicit hold", []string{"on hold", "onhold"}},
	// A bare "Recipient address rejected" (Postfix, at RCPT TO) names no
	// other cause: the address is refused.
	{"userunknown", fallback, "Postfix smtpd(8) \"Recipient address rejected\" with no other cause",
		[]string{"recipient address rejected"}},
}

// delayNotices are the phrases of a delay notice (the first text rule):
// the failure they report is temporary whatever the quoted reply says,
// so classify never calls it hard, and a message without a status code
// gets a class 4 one.
var delayNotices = []string{"do not need to resend your message", "warning message only", "this is a warning only"}

// failedNotices are the sentences with which a text notice states that
// the message was not delivered and will not be retried: the evidence of
// an RFC 3464 "Action: failed" in a notice without a delivery-status
// part. An ordinary phrase naming a dead address (hardText: "user not
// found", "destination addresses were unknown") counts in such a notice
// without a status code, a reply code or the command, as a 5xx reply
// makes it count; a weak phrase, a conflicting word ("later", "spam") or
// a contradicting cause still keeps it from being hard. Sendmail's "The
// following addresses had permanent fatal errors" is not one: filtering
// gateways (Active!hunter) write it above their own refusals.
var failedNotices = []string{
	"was undeliverable to the following",                         // GroupWise Internet Agent
	"this message was undeliverable due to the following reason", // Microsoft Mail / MXLogic gateway
	"this is a permanent error",                                  // Exim, qmail
	"dies ist ein permanenter fehler",                            // qmail-send's German template
	"failed permanently",                                         // Gmail
	"delivery has failed to these recipients",                    // Exchange 2010 and later
	"could not be delivered to the following address",            // KDDI au (ezweb) "Mail System Error - Returned Mail"
	// Exim's "This is a permanent error." as the localized failure
	// templates of hosting providers and ISPs translate it (the German
	// one is qmail's above): French, Italian, Spanish, Portuguese, Dutch,
	// Polish, Czech, Russian.
	"il s'agit d'une erreur permanente", "ceci est une erreur permanente",
	"si tratta di un errore permanente", "questo è un errore permanente",
	"este es un error permanente", "se trata de un error permanente",
	"este é um erro permanente", "trata-se de um erro permanente",
	"dit is een permanente fout", "jest to błąd stały", "jest to błąd trwały", "to jest błąd stały",
	"jedná se o trvalou chybu", "toto je trvalá chyba", "это постоянная ошибка",
}

// failedNoticeSource names where the sentences of failedNotices come from.
const failedNoticeSource = "Novell GroupWise Internet Agent \"The message that you sent was undeliverable to the following:\" (GroupWise troubleshooting guide: a status of Undeliverable means the addressee does not exist in the post office); the Microsoft Mail/MXLogic gateway notice \"This Message was undeliverable due to the following reason:\"; Exim \"This is a permanent error. The following address(es) failed\"; qmail-send \"This is a permanent error; I've given up\" (in its German template \"Dies ist ein permanenter Fehler; ich habe aufgegeben\"); the same sentence in the localized Exim templates of hosting providers (\"Il s'agit d'une erreur permanente\", \"Si tratta di un errore permanente\", \"Este es un error permanente\", \"Este é um erro permanente\", \"Dit is een permanente fout\", \"Jest to błąd stały\", \"Jedná se o trvalou chybu\", \"Это постоянная ошибка\"), each its plain translation; Gmail \"Delivery to the following recipient failed permanently\"; Exchange \"Delivery has failed to these recipients or groups\"; KDDI au (ezweb) \"Your mail sent on: ... could not be delivered to the following address(es)\""

// failedNotice reports whether a lower-case notice states that delivery
// failed for good: one of failedNotices, and not a delay notice.
func failedNotice(lower string) bool {
	if delayNotice(lower) {
		return false
	}
	for _, p := range failedNotices {
		if strings.Contains(lower, p) {
			return true
		}
	}
	return false
}

// delayNotice reports whether a lower-case text is a delay notice.
func delayNotice(lower string) bool {
	for _, p := range delayNotices {
		if strings.Contains(lower, p) {
			return true
		}
	}
	return false
}

// localUnknown are the phrases with which a mail system states that an
// address is not in its own directory (Exchange, IMail, Lotus Notes/Domino,
// qmail, Gmail, Mercury/32, CommuniGate Pro). Unlike a relayed "user unknown" they are definitive
// without a status code or the SMTP command.
// Lotus Notes/Domino says "User not listed in Domino Directory" (older
// releases "... in public Name & Address Book").
var localUnknown = []string{
	"recipient name is not recognized", "invalid final delivery userid",
	"user not listed in",
	// HCL/IBM Domino names the address between the words ("User
	// a@example.com not listed in Domino Directory"; older releases "User
	// Jan Jansen (a@example.com) not listed in public Name & Address Book").
	"not listed in domino directory", "not listed in public name & address book",
	// Its German template ("Benutzer Lena Fischer (a@example.com) ist im
	// Domino-Verzeichnis nicht aufgeführt"), the same statement.
	"im domino-verzeichnis nicht", "nicht im domino-verzeichnis",
	"no mailbox here by that name", "the email account that you tried to reach does not exist",
	"no such user here", "recipientnotfound", "recipnotfound", "user doesn't have a",
	"this user doesn't have", "address does not exist", "mailbox does not exist",
	"unknown user:",
	// Exchange 2003 ("The e-mail account does not exist at the
	// organization this message was sent to") and Exchange 2007 ("The
	// recipient's e-mail address was not found in the recipient's e-mail
	// system"): the texts of their non-delivery reports for 5.1.1.
	"does not exist at the organization", "not found in the recipient's e-mail system",
	// Exchange 5.5's Internet Mail Connector ("Recipient Not Found
	// MSEXCH:IMC:...", Microsoft KB Q168557: the domain is right, the
	// user name does not exist there).
	"recipient not found msexch",
	"not found in the recipient's email system",
	// A system naming the missing user as one of its own: Mercury/32's
	// notice ("---- No such local user or mailbox"; "local" says whose
	// directory, as "here" does in qmail's "no mailbox here by that
	// name") and CommuniGate Pro's local delivery module ("LOCAL
	// module(account x) reports: unknown user account", its account
	// directory having no such account).
	"no such local user", "unknown user account",
}

// policyStatusUnknown are the exact replies with which a provider refuses
// an address it does not have under a policy status (X.7.1): hardText
// lets them name a dead address where a policy status otherwise overrules
// an unknown-user phrase. Only a provider's own documented wording
// belongs here, never a generic phrase: Postfix access maps and filters
// say "5.7.1" with many texts.
var policyStatusUnknown = []string{"no such user!"}

// statusRule maps an RFC 3463 "subject.detail" (section 3; RFC 5248
// registry; RFC 7372, RFC 7505) to a reason.
type statusRule struct {
	code, reason, source string
}

// statusRules is the status part of the table.
var statusRules = []statusRule{
	{"1.1", "userunknown", "RFC 3463 X.1.1 bad destination mailbox address"},
	{"1.2", "hostunknown", "RFC 3463 X.1.2 bad destination system address"},
	{"1.3", "userunknown", "RFC 3463 X.1.3 bad destination mailbox address syntax"},
	{"1.6", "hasmoved", "RFC 3463 X.1.6 destination mailbox has moved, no forwarding address"},
	{"1.7", "rejected", "RFC 3463 X.1.7 bad sender's mailbox address syntax"},
	{"1.8", "rejected", "RFC 3463 X.1.8 bad sender's system address"},
	{"1.9", "systemerror", "RFC 3886 X.1.9 message relayed to non-compliant mailer"},
	{"1.10", "notaccept", "RFC 7505 X.1.10 recipient address has null MX"},
	{"2.0", "filtered", "RFC 3463 X.2.0 other or undefined mailbox status"},
	{"2.1", "suspend", "RFC 3463 X.2.1 mailbox disabled, not accepting messages"},
	{"2.2", "mailboxfull", "RFC 3463 X.2.2 mailbox full"},
	{"2.3", "exceedlimit", "RFC 3463 X.2.3 message length exceeds administrative limit: a limit the recipient's mailbox sets (\"Message length exceeds limit set by recipient\"), which the corpus labels exceedlimit, not X.3.4's message too big for the system (mesgtoobig); decide lets it overrule a size phrase"},
	{"2.4", "mailererror", "RFC 3463 X.2.4 mailing list expansion problem"},
	{"3.0", "systemerror", "RFC 3463 X.3.0 other or undefined mail system status"},
	{"3.1", "systemfull", "RFC 3463 X.3.1 mail system full"},
	{"3.2", "notaccept", "RFC 3463 X.3.2 system not accepting network messages"},
	{"3.3", "systemerror", "RFC 3463 X.3.3 system not capable of selected features"},
	{"3.4", "mesgtoobig", "RFC 3463 X.3.4 message too big for system"},
	{"3.5", "systemerror", "RFC 3463 X.3.5 system incorrectly configured"},
	{"4.0", "networkerror", "RFC 3463 X.4.0 other or undefined network or routing status"},
	{"4.1", "networkerror", "RFC 3463 X.4.1 no answer from host"},
	{"4.2", "networkerror", "RFC 3463 X.4.2 bad connection"},
	{"4.3", "systemerror", "RFC 3463 X.4.3 directory server failure"},
	{"4.4", "hostunknown", "RFC 3463 X.4.4 unable to route"},
	{"4.5", "toomanyconn", "RFC 3463 X.4.5 mail system congestion"},
	{"4.6", "networkerror", "RFC 3463 X.4.6 routing loop detected"},
	{"4.7", "expired", "RFC 3463 X.4.7 delivery time expired"},
	{"5.0", "syntaxerror", "RFC 3463 X.5.0 other or undefined protocol status"},
	{"5.1", "syntaxerror", "RFC 3463 X.5.1 invalid command"},
	{"5.2", "syntaxerror", "RFC 3463 X.5.2 syntax error"},
	{"5.3", "exceedlimit", "RFC 3463 X.5.3 too many recipients"},
	{"5.4", "syntaxerror", "RFC 3463 X.5.4 invalid command arguments"},
	{"5.5", "syntaxerror", "RFC 3463 X.5.5 wrong protocol version"},
	{"5.6", "syntaxerror", "RFC 3030 X.5.6 authentication exchange line too long"},
	{"6.0", "contenterror", "RFC 3463 X.6.0 other or undefined media error"},
	{"6.1", "contenterror", "RFC 3463 X.6.1 media not supported"},
	{"6.2", "contenterror", "RFC 3463 X.6.2 conversion required and prohibited"},
	{"6.3", "contenterror", "RFC 3463 X.6.3 conversion required but not supported"},
	{"6.4", "contenterror", "RFC 3463 X.6.4 conversion with loss performed"},
	{"6.5", "contenterror", "RFC 3463 X.6.5 conversion failed"},
	{"6.6", "contenterror", "RFC 4468 X.6.6 message content not available"},
	{"7.0", "securityerror", "RFC 3463 X.7.0 other or undefined security status"},
	{"7.1", "filtered", "RFC 3463 X.7.1 delivery not authorized, message refused"},
	{"7.2", "filtered", "RFC 3463 X.7.2 mailing list expansion prohibited"},
	{"7.3", "securityerror", "RFC 3463 X.7.3 security conversion required but not possible"},
	{"7.4", "securityerror", "RFC 3463 X.7.4 security features not supported"},
	{"7.5", "securityerror", "RFC 3463 X.7.5 cryptographic failure"},
	{"7.6", "securityerror", "RFC 3463 X.7.6 cryptographic algorithm not supported"},
	{"7.7", "securityerror", "RFC 3463 X.7.7 message integrity failure"},
	{"7.8", "securityerror", "RFC 4954 X.7.8 authentication credentials invalid"},
	{"7.9", "securityerror", "RFC 4954 X.7.9 authentication mechanism is too weak"},
	{"7.10", "securityerror", "IANA registry (RFC 5248) X.7.10 encryption needed"},
	{"7.11", "securityerror", "RFC 4954 X.7.11 encryption required for requested authentication mechanism"},
	{"7.12", "securityerror", "RFC 4954 X.7.12 a password transition is needed"},
	{"7.13", "suspend", "IANA registry (RFC 5248) X.7.13 user account disabled"},
	{"7.14", "securityerror", "IANA registry (RFC 5248) X.7.14 trust relationship required"},
	{"7.15", "securityerror", "RFC 6710 X.7.15 priority level is too low"},
	{"7.16", "mesgtoobig", "RFC 6710 X.7.16 message is too big for the specified priority"},
	{"7.17", "suspend", "RFC 7293 X.7.17 mailbox owner has changed"},
	{"7.18", "suspend", "RFC 7293 X.7.18 domain owner has changed"},
	{"7.19", "securityerror", "RFC 7293 X.7.19 RRVS test cannot be completed"},
	{"7.20", "authfailure", "RFC 7372 X.7.20 no passing DKIM signature found"},
	{"7.21", "authfailure", "RFC 7372 X.7.21 no acceptable DKIM signature found"},
	{"7.22", "authfailure", "RFC 7372 X.7.22 no valid author-matched DKIM signature found"},
	{"7.23", "authfailure", "RFC 7372 X.7.23 SPF validation failed"},
	{"7.24", "authfailure", "RFC 7372 X.7.24 SPF validation error"},
	{"7.25", "requireptr", "RFC 7372 X.7.25 reverse DNS validation failed"},
	{"7.26", "authfailure", "RFC 7372 X.7.26 multiple authentication checks failed"},
	{"7.27", "rejected", "RFC 7505 X.7.27 sender address has null MX"},
	{"7.28", "speeding", "IANA registry (RFC 5248) X.7.28 mail flood detected"},
	{"7.29", "authfailure", "RFC 8617 X.7.29 ARC validation failure"},
	{"7.30", "securityerror", "RFC 8689 X.7.30 REQUIRETLS support required"},
}

// replyRule is a reply-code rule: what a reply code means when the status
// code says nothing specific.
type replyRule struct {
	code    int
	command string // the command it must answer, "" for any
	reason  string
	source  string
}

// replyRules is the reply-code part of the table.
var replyRules = []replyRule{
	{521, "", "notaccept", "RFC 7504 section 3: 521 the host does not accept mail"},
	{556, "", "notaccept", "RFC 7504 section 3: 556 the domain does not accept mail"},
	{551, "", "hasmoved", "RFC 5321 section 3.4: 551 user not local; please try <forward-path>"},
}

// commandRules say what a refusal means by the command it answered.
var commandRules = map[string]struct{ reason, source string }{
	"MAIL": {"rejected", "RFC 5321 section 3.3: a refusal of MAIL FROM is about the sender, not the recipient"},
	"CONN": {"blocked", "RFC 5321 section 3.1: a refusal of the connection or greeting is about the sending host"},
	"DATA": {"filtered", "RFC 5321 section 3.3: after RCPT TO accepted the recipient, a refusal of DATA is a content filter"},
}

// clauseRule is the last text rule, tried only when no phrase of
// textRules is in the text: a noun naming the recipient's mailbox or
// domain and a predicate saying what is wrong with it, in one clause
// ("User not found", "No such domain", "the user's mailfolder is full").
// It covers the wordings the phrase list lacks with the vocabulary the
// phrases share; like them it is an ordinary phrase, so hardText still
// asks a status code, a reply code or the command to back a dead mailbox.
type clauseRule struct {
	reason string
	source string
	nouns  []string // what the clause is about, as whole words
	preds  []string // what is wrong with it, as whole words, before or after the noun
	guards []string // whole words that keep the clause from counting
}

// notRecipient are words that make a clause about someone other than the
// recipient ("sender domain unknown", "HELO hostname invalid", "your IP").
var notRecipient = []string{"sender", "client", "helo", "ehlo", "from", "your", "reverse", "relay"}

// clientWords are whole words and phrases that make "host unknown", "host not found"
// and the like a statement about the connecting client (its HELO name, its
// reverse DNS: Postfix reject_unknown_client_hostname "Client host
// rejected: cannot find your hostname", reject_unknown_helo_hostname), not
// about the recipient's domain (RFC 3463 X.1.2).
var clientWords = []string{
	"client", "helo", "ehlo", "connecting", "your ip", "your host", "your server",
	"your mail server", "your domain", "your reverse", "connection from",
}

// notDead are words that name a cause other than a dead address ("account
// unknown or disabled", "mailbox full", "blocked"): a clause with one of
// them does not name a dead address.
var notDead = []string{
	"disabled", "inactive", "suspended", "locked", "full", "quota", "blocked", "spam",
	"policy", "denied", "later", "temporarily", "temporary",
}

// conflictWords (whole words) and conflictStems (anywhere in a word) are
// the words that, in a text whose dead address nothing but the text and a
// bare reply code backs, say the refusal may be something else: the
// notDead words ("later", "temporarily", "blocked", "policy") and the
// vocabulary of filters and of the lists a sender is checked against
// ("550 Mailbox not found, your message was classified as bulk", "554
// recipient not found in allow list for sender", "550 Greylisted,
// recipient unknown, please try again later").
var (
	conflictWords = notDead
	conflictStems = []string{
		"spam", "filter", "bulk", "policy", "block", "blacklist", "black list",
		"allow list", "allowlist", "whitelist", "white list", "greylist", "graylist",
		"reputation",
		// A text that asks to try again says the failure may pass: the
		// resolver's TRY_AGAIN (RFC 1035 section 4.1.1 SERVFAIL, h_errno
		// TRY_AGAIN), which Postfix's dns_strerror words "Host not found,
		// try again", is not a missing domain.
		"try again",
	}
)

// clauseRules are tried in order, the reasons that are not hard first
// (prefer not hard).
var clauseRules = []clauseRule{
	{"blocked", "refusals that name the connecting client's IP address: Coremail's bounce notes (\"Requested mail action not taken: Invalid IP\", \"IP is rejected\"; https://www.icoremail.vip/support/index.php?cate_id=84), hosting providers' bounce tables (\"remote ip is forbidden\"), Yahoo \"INVALID IP FOR SENDING MAIL OF DOMAIN\": a verdict on the sending host, not on the recipient",
		[]string{"ip", "ip address", "client ip", "remote ip", "sending ip"},
		[]string{"invalid", "rejected", "forbidden", "blocked", "banned", "blacklisted", "not allowed"},
		nil},
	{"rejected", "refusals that name the envelope sender (RFC 3463 X.1.7/X.1.8; RFC 5321 section 3.3): Coremail's bounce notes (\"Requested mail action not taken: Fake sender\", \"sender is rejected\"; https://www.icoremail.vip/support/index.php?cate_id=84)",
		[]string{"sender", "envelope from", "from address"},
		[]string{"rejected", "fake", "forged", "invalid", "denied", "refused", "not allowed", "blacklisted", "unknown", "not found", "does not exist", "not exist"},
		nil},
	{"mailboxfull", "RFC 3463 X.2.2 \"mailbox full\": the mailbox has exceeded a per-mailbox quota or capacity; RFC 5321 552 \"exceeded storage allocation\"; HCL/IBM Domino names the mailbox a \"mail file\" (Domino administration help, \"Using quotas to manage the size of user mail files\": the Router returns or holds mail for a mail file over its quota)",
		[]string{"mailbox", "mail box", "mailfolder", "inbox", "account", "storage", "mail folder", "mail file"},
		[]string{"full", "quota", "exceeded", "exceeds", "overquota"},
		append([]string{"message", "size"}, notRecipient...)},
	{"suspend", "RFC 3463 X.2.1 \"mailbox disabled, not accepting messages\"; IANA registry X.7.13 \"user account disabled\"",
		[]string{"mailbox", "mail box", "account", "user", "recipient", "inbox"},
		[]string{"disabled", "locked", "suspended", "inactive", "deactivated", "frozen", "closed"},
		notRecipient},
	{"userunknown", "RFC 3463 X.1.1 \"bad destination mailbox address\" (and the \"destination address\" of its title: the Microsoft Mail/MXLogic gateway notice \"The following destination addresses were unknown\"): the words MTAs use for it (Postfix \"User unknown\", Sendmail \"User unknown\", Exim \"Unknown user\", qmail \"no mailbox here\", Exchange \"Recipient not found\", Domino \"User not listed\")",
		[]string{"user", "recipient", "mailbox", "account", "addressee", "userid", "local-part", "local part", "e-mail address", "email address", "mail box", "alias", "destination address", "destination addresses"},
		[]string{
			"unknown", "not found", "does not exist", "doesn't exist", "not exist", "no such",
			"invalid", "not recognized", "not recognised", "not listed", "not known", "nonexistent",
			"non-existent", "not valid", "no longer exists", "deleted", "no longer in use", "no longer valid",
		},
		append(append([]string(nil), notRecipient...), notDead...)},
	{"hostunknown", "RFC 3463 X.1.2 \"bad destination system address\": resolver wording of the MTAs (Postfix \"Host or domain name not found\", Sendmail \"Host unknown\", Courier \"No such domain\", Exchange \"nonexistent domain\")",
		[]string{"domain", "mail domain", "domain name"},
		[]string{"unknown", "not found", "does not exist", "doesn't exist", "not exist", "no such", "nonexistent", "non-existent"},
		append(append([]string(nil), notRecipient...), notDead...)},
}
