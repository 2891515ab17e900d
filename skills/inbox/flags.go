package inbox

import (
	"slices"
	"strings"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/text"
)

// Flags lists what a person must look at before sending draft: "everyone"
// and "here" for a plain @everyone or @here, "mass_mention" for any other
// ping of many people (@channel, platform markup such as <!here>, role and
// user-group mentions), "link:URL" for each link (or disguised Discord
// invite) no FAQ answer contains, "too_long".
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
	return flags
}

// FlagNames lists every flag Flags can raise, "link" standing for the
// "link:URL" flags: each has its sentence, "inbox.flag."+name, in the
// catalogue.
func FlagNames() []string {
	return []string{"everyone", "here", "mass_mention", "link", "too_long"}
}
