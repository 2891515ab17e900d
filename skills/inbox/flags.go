package inbox

import (
	"regexp"
	"slices"
	"strings"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/text"
)

// Flags lists what a person must look at before sending draft: "everyone"
// and "here" for a plain @everyone or @here, "mass_mention" for any other
// ping of many people (@channel, platform markup such as <!here>, role and
// user-group mentions), "link:URL" for each link (or disguised Discord
// invite) no FAQ answer contains, "too_long", and "staff_claim" when the
// draft speaks as someone with powers the reply should not claim (see
// ClaimsPowers).
func Flags(draft string, faq []bot.FAQEntry) []string {
	var flags []string
	var everyone, here, mass bool
	for _, m := range text.Mentions(draft) {
		plain := draft[m.Start] == '@'
		switch {
		case m.Kind == text.MentionEveryone && plain && strings.EqualFold(draft[m.Start:m.End], "@everyone"):
			everyone = true
		case m.Kind == text.MentionHere && plain:
			here = true
		case m.Kind == text.MentionEveryone || m.Kind == text.MentionHere || m.Kind == text.MentionRole:
			mass = true
		}
	}
	for _, f := range []struct {
		set  bool
		name string
	}{{everyone, "everyone"}, {here, "here"}, {mass, "mass_mention"}} {
		if f.set {
			flags = append(flags, f.name)
		}
	}
	var links []string
	var spans [][2]int
	for _, l := range text.Links(draft) {
		spans = append(spans, [2]int{l.Start, l.End})
		if !l.Email {
			links = append(links, l.Text)
		}
	}
	for _, inv := range text.Invites(draft) {
		if !slices.ContainsFunc(spans, func(s [2]int) bool { return inv.Start >= s[0] && inv.Start < s[1] }) {
			links = append(links, draft[inv.Start:inv.End])
		}
	}
	for _, link := range links {
		if !slices.ContainsFunc(faq, func(e bot.FAQEntry) bool { return strings.Contains(e.Answer, link) }) {
			flags = append(flags, "link:"+link)
		}
	}
	if len([]rune(draft)) > MaxReply {
		flags = append(flags, "too_long")
	}
	if ClaimsPowers(draft) {
		flags = append(flags, "staff_claim")
	}
	return flags
}

// FlagNames lists every flag the inbox raises, "link" standing for the
// "link:URL" flags and "language" for "language:LANG": each has its
// sentence, "inbox.flag."+name, in the catalogue.
func FlagNames() []string {
	return []string{"everyone", "here", "mass_mention", "link", "too_long", "staff_claim", "language"}
}

// powerClaims match, in folded text (lower case, no accents), a reply that
// speaks as an admin or moderator, says it banned, kicked or refunded
// someone, or grants a refund: in English, French and Dutch. A reply speaks
// for the team; what only a person with those powers did or decided is for
// that person to write.
var powerClaims = regexp.MustCompile(strings.Join([]string{
	// English
	`\bas (?:the|an|a|your|this server's|the server's) (?:server |community )?(?:admin|administrator|moderator|mod)s?\b`,
	`\bas (?:the|this) (?:server|community|discord)(?:'s)? owner\b`,
	`\b(?:i|we)(?: have|'ve)?(?: just| already)? (?:banned|kicked|muted|suspended|timed (?:you )?out|refunded|reimbursed)\b`,
	`\b(?:i|we)(?: will|'ll| am going to|'m going to| are going to) (?:ban|kick|mute|suspend|refund|reimburse)\b`,
	`\b(?:refund|reimbursement|compensation)(?: request)? (?:has been|was|is|will be) (?:granted|approved|issued|processed|accepted)\b`,
	`\byou(?: have|'ve)? (?:been|are now|are) (?:banned|kicked|muted|suspended)\b`,
	`\b(?:i|we)(?: have|'ve)? (?:issued|granted|approved) (?:you |your )?(?:a |the )?(?:full )?refund\b`,
	// French
	`\ben tant qu'(?:admin|administrat(?:eur|rice)|moderat(?:eur|rice))\b`,
	`\ben tant que proprietaire (?:du|de ce) serveur\b`,
	`\b(?:j'ai|je (?:vous|t'|l'|les) ?ai|nous (?:vous |t'|l'|les )?avons) (?:bien )?(?:banni|expulse|exclu|suspendu|rembourse)e?s?\b`,
	`\b(?:je (?:vais|peux)|nous (?:allons|pouvons)) (?:vous |te |t'|le |la |les )?(?:bannir|expulser|exclure|suspendre|rembourser)\b`,
	`\b(?:vous avez|tu as) ete (?:banni|expulse|exclu|suspendu|rembourse)e?s?\b`,
	`\b(?:votre|ton|le) remboursement (?:a ete|est|sera) (?:accorde|valide|effectue|approuve|accepte)\b`,
	`\bnous (?:avons|allons) (?:proceder|procede) (?:a votre|au) remboursement\b`,
	// Dutch
	`\bals (?:de |een |jullie )?(?:beheerder|admin|moderator)\b`,
	`\bals eigenaar van (?:de|deze) server\b`,
	`\b(?:ik heb|we hebben|wij hebben)\b[^.!?]{0,40}?\b(?:verbannen|gebannd|gebanned|gekickt|geschorst|terugbetaald|gerestitueerd)\b`,
	`\b(?:ik|we|wij) (?:zal|zullen|ga|gaan) (?:je|jou|u|jullie) (?:verbannen|bannen|kicken|schorsen|terugbetalen)\b`,
	`\b(?:je|u|jij) (?:bent|werd|is) (?:nu )?(?:verbannen|gebannd|gebanned|gekickt|geschorst)\b`,
	`\b(?:je|jouw|uw|de) (?:terugbetaling|restitutie) (?:is|werd|wordt) (?:toegekend|goedgekeurd|verwerkt|uitgevoerd)\b`,
}, "|"))

// ClaimsPowers reports whether draft speaks as staff with powers a drafted
// reply should not claim: "As the admin of this server I have banned you",
// "your refund has been approved", "je vous ai remboursé", "ik heb je
// verbannen".
func ClaimsPowers(draft string) bool {
	return powerClaims.MatchString(text.Fold(draft))
}

// languageFlag is "language:LANG" when the draft is in language LANG and the
// member wrote in another language the bot knows (member is the item's
// Triage.Lang), "" otherwise or when either language is unsure. langOf
// tells a text's language; nil checks nothing.
func languageFlag(draft, member string, langOf func(string) (bot.Lang, bool)) string {
	want, ok := bot.ParseLang(member)
	if !ok || langOf == nil {
		return ""
	}
	got, ok := langOf(draft)
	if !ok || got == want {
		return ""
	}
	return "language:" + string(got)
}

// flags lists the flags of draft, a reply to it (see Flags), with the
// language flag when the draft is not in the member's language.
func (s *Skill) flags(draft string, faq []bot.FAQEntry, it bot.Item) []string {
	flags := Flags(draft, faq)
	if f := languageFlag(draft, it.Triage.Lang, s.LangOf); f != "" {
		flags = append(flags, f)
	}
	return flags
}
