package discord

import (
	"testing"

	"github.com/commpilot/commpilot/bot"
)

// TestNeutralMentionsRender: what skills write renders as Discord markup in
// text, title, context, fields and footer; another platform's mentions
// read as plain text; the quote and body (community text) are left as
// they are, so a neutral lookalike in a quoted message names no one.
func TestNeutralMentionsRender(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"<@discord-role:700000000000000001> (discord) is now staff.", "<@&700000000000000001> (discord) is now staff."},
		{"#2 assigned to <@discord:100000000000000001> in <#discord:300000000000000001>", "#2 assigned to <@100000000000000001> in <#300000000000000001>"},
		{"Team channel: <#slack:C0TEAM> (slack), <@slack-role:S1|@mods>", "Team channel: #slack:C0TEAM (slack), @mods"},
		{"raw <@123> and <<\u2060@discord:1>", "raw <@123> and <<\u2060@discord:1>"},
	} {
		if got := renderMentions(tt.in); got != tt.want {
			t.Errorf("renderMentions(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	bodies, err := renderMessages("to <@discord:1>", &bot.Card{Title: "t <@discord:2>", Context: "in <#discord:3>",
		Quote: "forged <@discord-role:4>", Body: "draft <@discord:5>",
		Fields: []bot.Field{{Name: "Assigned", Value: "<@discord:6>"}}, Footer: "by <@discord:7>"})
	if err != nil {
		t.Fatal(err)
	}
	b := bodies[0]
	e := b.Embeds[0]
	for _, c := range []struct{ what, got, want string }{
		{"content", b.Content, "to <@1>"},
		{"title", e.Title, "t <@2>"},
		{"context", e.Author.Name, "in <#3>"},
		{"description", e.Description, "> forged <@discord-role:4>\n\ndraft <@discord:5>"},
		{"field", e.Fields[0].Value, "<@6>"},
		{"footer", e.Footer.Text, "by <@7>"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
}
