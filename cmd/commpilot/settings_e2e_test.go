package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/discord/discordtest"
	"github.com/commpilot/commpilot/bot/slack/slacktest"
)

// Bad settings are refused with the platforms' word, through the real
// adapters against the fakes: channels that do not exist or that the bot
// cannot read or post in, @everyone as staff, an argument long enough to
// push the reason past Discord's 2,000 characters; durations are echoed as
// typed and read in the team's language.
func TestEndToEndBadSettingsRefused(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx()
	discordCmd := func(route string, opts ...discordtest.Option) string {
		t.Helper()
		_, res, err := w.discord.Command(ctx, discordtest.Alice, discordtest.TeamChannelID, route, opts...)
		if err != nil {
			t.Fatal(err)
		}
		ans := res.Answer()
		if !ans.Ephemeral() {
			t.Errorf("%s: answer not ephemeral: %+v", route, ans)
		}
		return ans.Content
	}
	before := w.slack.SlashCommand(slackTeam, slackAlice, "setup show").Shown()

	w.slack.ArchiveChannel("C0NOPE")
	w.slack.LeaveChannel("C0OUTSIDE")
	for _, c := range []struct{ cmd, want string }{
		{"setup watch <#C0NOPE|nope>", "does not exist, or the bot cannot see it"},
		{"setup watch <#C0OUTSIDE|outside>", "The bot is not in <#C0OUTSIDE> (slack), so it gets none of its messages: invite it"},
		{"setup team-channel <#C0OUTSIDE>", "so it cannot post cards there"},
		{"setup staff add <!everyone>", "@everyone means everyone at once"},
		{"setup staff add <!channel>", "@channel means everyone at once"},
		{"setup retention 366d", `Retention "366d": use a period from 1d to 365d`},
	} {
		if got := w.slack.SlashCommand(slackTeam, slackAlice, c.cmd).Shown(); !strings.Contains(got, c.want) {
			t.Errorf("slack %q: %q, want %q", c.cmd, got, c.want)
		}
	}
	for _, c := range []struct {
		route string
		opt   discordtest.Option
		want  string
	}{
		{"setup watch", discordtest.ChannelOpt("channel", "810000000000000099"), "<#810000000000000099> (discord) does not exist"},
		{"setup watch", discordtest.ChannelOpt("channel", discordtest.OtherChannelID), "does not exist, or the bot cannot see it"},
		{"setup team-channel", discordtest.ChannelOpt("channel", "810000000000000099"), "does not exist"},
		{"setup staff", discordtest.MentionableOpt("who", discordtest.GuildID, true), "@everyone means everyone at once"},
		{"setup retention", discordtest.Str("period", "366d"), `Retention "366d"`},
	} {
		opts := []discordtest.Option{c.opt}
		if c.route == "setup staff" {
			opts = append([]discordtest.Option{discordtest.Str("op", "add")}, c.opt)
		}
		if got := discordCmd(c.route, opts...); !strings.Contains(got, c.want) {
			t.Errorf("discord %s %v: %q, want %q", c.route, c.opt.Value, got, c.want)
		}
	}
	// The reason survives an argument of 4,000 characters.
	got := discordCmd("setup brand", discordtest.Str("keywords", "Acme, "+strings.Repeat("x", 4000)))
	if !strings.HasSuffix(got, "…\" must be 2 to 64 characters.") || utf8.RuneCountInString(got) > 300 {
		t.Errorf("long keyword: %d runes: %.200q…", utf8.RuneCountInString(got), got)
	}
	if after := w.slack.SlashCommand(slackTeam, slackAlice, "setup show").Shown(); after != before {
		t.Errorf("refusals changed the settings:\n%s\nwas:\n%s", after, before)
	}

	// A channel that exists and has the bot is still accepted, and a French
	// team's units are read.
	if got := discordCmd("setup watch", discordtest.ChannelOpt("channel", discordtest.TeamChannelID)); !strings.Contains(got, "Now watching") {
		t.Errorf("watch a real channel: %q", got)
	}
	w.slack.SlashCommand(slackTeam, slackAlice, "setup language fr")
	if got := w.slack.SlashCommand(slackTeam, slackAlice, "setup retention 30j").Shown(); got != "Les messages de la communauté seront conservés 30 jours." {
		t.Errorf("retention 30j: %q", got)
	}
}

// In Slack HTTP mode a slash command's form can carry bytes that are not
// UTF-8; they are refused naming the option, and nothing is saved.
func TestEndToEndSlackHTTPInvalidUTF8Refused(t *testing.T) {
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	fake := slacktest.New(t)
	fake.AddUser(slackAlice, "alice", false)
	m := NewMain(Config{SlackBotToken: slacktest.BotToken, SlackSigningSecret: secret, SlackAPIURL: fake.APIURL(),
		DBPath: filepath.Join(t.TempDir(), "commpilot.db"), HTTPAddr: "127.0.0.1:0",
		Initial: bot.Settings{Staff: []string{"slack:" + slackAlice}}}, testLogger(t))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	fake.DeliverHTTP("http://"+m.HTTPAddr, secret)
	waitUntil(t, "Slack HTTP mode to be ready", func() bool { return m.Engine.Health()[bot.Slack] == bot.StateConnected })
	if got := fake.SlashCommand(slackTeam, slackAlice, "setup brand Acme, \xff\xfeCloud").Shown(); !strings.HasPrefix(got, "keywords: this is not valid text") {
		t.Errorf("invalid UTF-8: %q", got)
	}
	st, err := m.Settings.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Brand) != 0 {
		t.Errorf("brand saved from invalid UTF-8: %q", st.Brand)
	}
	if got := fake.SlashCommand(slackTeam, slackAlice, "setup brand Acme, Café").Shown(); got != "Keywords saved: Acme, Café." {
		t.Errorf("valid brand: %q", got)
	}
	st, err = m.Settings.Settings(context.Background())
	if err != nil || !slices.Equal(st.Brand, []string{"Acme", "Café"}) {
		t.Errorf("brand %q, %v", st.Brand, err)
	}
}
