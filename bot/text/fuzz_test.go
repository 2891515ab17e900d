package text_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/commpilot/commpilot/bot/text"
)

// FuzzText checks that no input makes the package panic, that every span
// it returns is a span of its input, that Fold is idempotent, and that
// rendering each mention as itself gives the input back.
func FuzzText(f *testing.F) {
	for _, s := range []string{
		"", "Réçu l'offre, don't!", "see https://acme.example/help. or www.x.io",
		"d i s c o r d . g g / spam", "discordapp.com/invite/AbC", "<@slack:U1> <@&12> <!subteam^S1|@m> @here",
		"<#slack:C1|team> <@discord-role:9>", "\xff\xfe<@", "Straße ẞ ǅ \u212a", "<<<@a:b>", "@everyone@here",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		folded := text.Fold(s)
		if again := text.Fold(folded); again != folded {
			t.Errorf("Fold not idempotent: %q → %q → %q", s, folded, again)
		}
		if !utf8.ValidString(folded) {
			t.Errorf("Fold(%q) = %q, not UTF-8", s, folded)
		}
		last := 0
		for _, tok := range text.Tokens(s) {
			if tok.Start < last || tok.End <= tok.Start || s[tok.Start:tok.End] != tok.Text {
				t.Fatalf("Tokens(%q): bad token %+v", s, tok)
			}
			last = tok.End
		}
		last = 0
		for _, l := range text.Links(s) {
			if l.Start < last || l.End <= l.Start || s[l.Start:l.End] != l.Text {
				t.Fatalf("Links(%q): bad link %+v", s, l)
			}
			if l.Host != strings.ToLower(l.Host) {
				t.Errorf("Links(%q): host %q not lower case", s, l.Host)
			}
			last = l.End
		}
		last = 0
		for _, inv := range text.Invites(s) {
			if inv.Start < last || inv.End <= inv.Start || inv.End > len(s) || !strings.HasSuffix(s[inv.Start:inv.End], inv.Code) {
				t.Fatalf("Invites(%q): bad invite %+v", s, inv)
			}
			last = inv.End
		}
		last = 0
		for _, m := range text.Mentions(s) {
			if m.Start < last || m.End <= m.Start || m.End > len(s) {
				t.Fatalf("Mentions(%q): bad mention %+v", s, m)
			}
			if !m.Raw {
				if again, ok := text.ParseMention(s[m.Start:m.End]); !ok || again.Ref != m.Ref || again.Kind != m.Kind {
					t.Errorf("Mentions(%q): %q does not parse back: %+v", s, s[m.Start:m.End], again)
				}
			}
			last = m.End
		}
		for _, m := range text.Mentions(text.Defuse(s)) {
			if d := text.Defuse(s); d[m.Start] == '<' {
				t.Errorf("Defuse(%q) = %q keeps mention %+v", s, d, m)
			}
		}
		if got := text.Render(s, func(m text.Mention) string { return s[m.Start:m.End] }); got != s {
			t.Errorf("Render as itself(%q) = %q", s, got)
		}
	})
}

// FuzzMentionRoundTrip checks that a neutral mention built from a valid
// reference parses back to it, and one built from anything else does not
// parse as neutral.
func FuzzMentionRoundTrip(f *testing.F) {
	f.Add("slack", "U0123", false, false)
	f.Add("discord", "300000000000000001", true, false)
	f.Add("slack", "C1", false, true)
	f.Fuzz(func(t *testing.T, platform, id string, role, channel bool) {
		if strings.ContainsAny(platform+id, "|<>") {
			t.Skip("a label or another mention, not a reference")
		}
		ref := platform + ":" + id
		if role {
			ref = platform + "-role:" + id
		}
		s := text.MentionOf(ref)
		if channel {
			s = text.ChannelMention(ref)
		}
		m, ok := text.ParseMention(s)
		valid := platform != "" && len(platform) <= 16 && strings.Trim(platform, "abcdefghijklmnopqrstuvwxyz") == "" &&
			id != "" && len(id) <= 32 && strings.Trim(id, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == "" &&
			!(role && channel)
		neutral := ok && !m.Raw
		if neutral != valid {
			t.Fatalf("ParseMention(%q) = %+v, %v; want a neutral mention: %v", s, m, ok, valid)
		}
		if valid && (m.Ref != ref || m.ID != id || m.Platform() != platform) {
			t.Errorf("ParseMention(%q) = %+v", s, m)
		}
	})
}
