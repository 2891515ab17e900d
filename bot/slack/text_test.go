package slack

import (
	"testing"

	"github.com/commpilot/commpilot/bot/text"
)

// TestCommandMarkupBecomesNeutral: command lines reach the router with
// Slack references translated to neutral mentions (bot/text), labels kept.
func TestCommandMarkupBecomesNeutral(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"setup watch <#C0123|community>", "setup watch <#slack:C0123|community>"},
		{"setup staff add <@U0ALICE|alice>", "setup staff add <@slack:U0ALICE|alice>"},
		{"setup staff add <@U0ALICE>", "setup staff add <@slack:U0ALICE>"},
		{"setup who <!subteam^S0MODS|@mods>", "setup who <@slack-role:S0MODS|@mods>"},
		{"faq add a &lt; b <https://x.test|x> <!here>", "faq add a < b https://x.test @here"},
	} {
		if got := decodeCommand(tt.in); got != tt.want {
			t.Errorf("decodeCommand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestNeutralMentionsRender: what skills write renders as Slack references
// in the bot's texts; another platform's mentions read as plain text; a
// defused lookalike from the community stays literal.
func TestNeutralMentionsRender(t *testing.T) {
	for _, tt := range []struct{ in, keep, users string }{
		{"Team channel: <#slack:C0TEAM> (slack)", "Team channel: <#C0TEAM> (slack)", "Team channel: <#C0TEAM> (slack)"},
		{"<@slack:U0BOB> is now staff, with <@slack-role:S0MODS|@mods>", "<@U0BOB> is now staff, with <!subteam^S0MODS|@mods>",
			"<@U0BOB> is now staff, with &lt;!subteam^S0MODS|@mods&gt;"},
		{"Now watching <#discord:300000000000000001> (discord) for <@discord-role:7>", "Now watching #discord:300000000000000001 (discord) for @discord-role:7",
			"Now watching #discord:300000000000000001 (discord) for @discord-role:7"},
		{"@\u2060<@slack-role:S1>", "@\u2060<!subteam^S1>", "@\u2060&lt;!subteam^S1&gt;"},
		{"<#discord:1|a & b>", "#a &amp; b", "#a &amp; b"},
		{"@<\u2060@slack-role:S1>", "@&lt;\u2060@slack-role:S1&gt;", "@&lt;\u2060@slack-role:S1&gt;"},
	} {
		if got := escapeKeepRefs(tt.in); got != tt.keep {
			t.Errorf("escapeKeepRefs(%q) = %q, want %q", tt.in, got, tt.keep)
		}
		if got := escapeKeepUsers(tt.in); got != tt.users {
			t.Errorf("escapeKeepUsers(%q) = %q, want %q", tt.in, got, tt.users)
		}
	}
}

// Slack's broadcasts reach the router as @everyone, @channel and @here,
// labelled or not, which bot/text reads as broadcasts: a skill can tell
// <!everyone> from a user or role (it cannot be made staff, for example).
func TestBroadcastsReachSkillsRecognisably(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		kind     text.MentionKind
	}{
		{"<!everyone>", "@everyone", text.MentionEveryone},
		{"<!channel>", "@channel", text.MentionEveryone},
		{"<!here>", "@here", text.MentionHere},
		{"<!here|here>", "@here", text.MentionHere},
		{"<!everyone|everyone>", "@everyone", text.MentionEveryone},
	} {
		got := decodeCommand("setup staff add " + tt.in)
		if got != "setup staff add "+tt.want {
			t.Errorf("decodeCommand(%q) = %q, want %q", tt.in, got, "setup staff add "+tt.want)
			continue
		}
		ms := text.Mentions(tt.want)
		if len(ms) != 1 || ms[0].Kind != tt.kind || !ms[0].Raw {
			t.Errorf("text.Mentions(%q) = %+v, want one raw broadcast of kind %d", tt.want, ms, tt.kind)
		}
		if c := mentionCount(tt.in); !c.Everyone {
			t.Errorf("mentionCount(%q) does not count a broadcast", tt.in)
		}
	}
	if got := decodeText("due <!date^1700000000^{date}|Nov 14>"); got != "due Nov 14" {
		t.Errorf("a date's fallback text = %q", got)
	}
}
