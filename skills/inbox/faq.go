package inbox

import (
	"regexp"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/commpilot/commpilot/bot"
)

// RelevantFAQ returns up to n entries that share the most content words with
// text, best first; entries sharing none are left out.
func RelevantFAQ(faq []bot.FAQEntry, text string, n int) []bot.FAQEntry {
	words := contentWords(text)
	type scored struct {
		e     bot.FAQEntry
		score float64
	}
	var hits []scored
	for _, e := range faq {
		q := contentWords(e.Question)
		a := contentWords(e.Answer)
		var score float64
		for w := range words {
			if q[w] {
				score += 1
			} else if a[w] {
				score += 0.5
			}
		}
		if score >= 1 {
			hits = append(hits, scored{e, score / float64(len(q)+1)})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	out := make([]bot.FAQEntry, 0, min(n, len(hits)))
	for i := 0; i < len(hits) && i < n; i++ {
		out = append(out, hits[i].e)
	}
	return out
}

// contentWords folds case and accents and drops short and common words, in
// English, French and Dutch, and a crude plural "s".
func contentWords(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(w) < 3 || stopwords[w] {
			continue
		}
		if len(w) > 4 {
			w = strings.TrimSuffix(w, "s")
		}
		out[w] = true
	}
	return out
}

// fold lowercases s and strips combining marks ("Réçu" → "recu").
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`the and for you your are was were what when where which who why how can could would should
		have has had with this that there their they them from about into just not but all any our out get got does did
		les des une est sont pour vous votre vos avec dans sur pas que qui quoi quand comment est-ce mais tout tous nous
		mon mes son ses leur leurs par plus moins ete etre avoir fait faire cette ces ceux elle ils elles quel quelle
		het een van voor met niet wat wie waar wanneer hoe zijn heb hebt heeft dat die dit deze jullie onze ons maar
		ook nog naar bij over uit kan kunnen wordt worden was waren`) {
		m[w] = true
	}
	return m
}()

// massMentionRE finds platform markup that pings many people: Slack's
// <!channel>, <!here>, <!everyone>, user groups, and Discord role mentions.
var massMentionRE = regexp.MustCompile(`<!(?:channel|here|everyone)\b|<!subteam\^|<@&\d+>`)

var linkRE = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"')\]]+|\b(?:www\.)[^\s<>"')\]]+|\bdiscord\.gg/\S+`)

// Flags lists what a person must look at before sending draft: "everyone",
// "here", "mass_mention" (channel, group or role pings in platform markup),
// "link:URL" for each link no FAQ answer contains, "too_long".
func Flags(draft string, faq []bot.FAQEntry) []string {
	var flags []string
	if strings.Contains(draft, "@everyone") {
		flags = append(flags, "everyone")
	}
	if strings.Contains(draft, "@here") {
		flags = append(flags, "here")
	}
	if massMentionRE.MatchString(draft) {
		flags = append(flags, "mass_mention")
	}
	for _, link := range linkRE.FindAllString(draft, -1) {
		link = strings.TrimRight(link, ".,;:!?")
		known := false
		for _, e := range faq {
			if strings.Contains(e.Answer, link) {
				known = true
				break
			}
		}
		if !known {
			flags = append(flags, "link:"+link)
		}
	}
	if len([]rune(draft)) > MaxReply {
		flags = append(flags, "too_long")
	}
	return flags
}
