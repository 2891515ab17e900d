package slack

import (
	"testing"

	"github.com/commpilot/commpilot/bot"
)

func TestMentionCount(t *testing.T) {
	tests := []struct {
		text string
		want bot.MentionCount
	}{
		{"no pings, a <https://acme.test|link> and a < b > c", bot.MentionCount{}},
		{"<@U0BOB> and <@U0ALICE|alice> and <@U0BOB> again", bot.MentionCount{Users: 2}},
		{"<!subteam^S0STAFF|@staff> <!subteam^S0STAFF> <!subteam^S0OPS>", bot.MentionCount{Roles: 2}},
		{"see <#C0GEN|general> and <#C0TEAM>", bot.MentionCount{Channels: 2}},
		{"<!here> look", bot.MentionCount{Everyone: true}},
		{"<!channel|channel> look", bot.MentionCount{Everyone: true}},
		{"<!everyone> <@U1>", bot.MentionCount{Users: 1, Everyone: true}},
		{"<!date^1392734382^{date}|Feb 18> is not a ping, <@> neither", bot.MentionCount{}},
		{"unclosed <@U0BOB", bot.MentionCount{}},
	}
	for _, tt := range tests {
		if got := mentionCount(tt.text); got != tt.want {
			t.Errorf("mentionCount(%q) = %+v, want %+v", tt.text, got, tt.want)
		}
	}
}
