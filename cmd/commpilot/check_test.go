package main

import (
	"bytes"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot/discord/discordtest"
	"github.com/commpilot/commpilot/bot/slack"
	"github.com/commpilot/commpilot/bot/slack/slacktest"
)

// checkWorld configures both platforms against their fakes.
func checkWorld(t *testing.T) (*slacktest.Server, *discordtest.Server) {
	t.Helper()
	clearEnv(t)
	ssrv, dsrv := slacktest.New(t), discordtest.New(t)
	t.Setenv("SLACK_BOT_TOKEN", slacktest.BotToken)
	t.Setenv("SLACK_APP_TOKEN", slacktest.AppToken)
	t.Setenv("SLACK_API_URL", ssrv.APIURL())
	t.Setenv("DISCORD_TOKEN", discordtest.Token)
	t.Setenv("DISCORD_API_URL", dsrv.URL())
	return ssrv, dsrv
}

func TestCheckAllFine(t *testing.T) {
	ssrv, _ := checkWorld(t)
	t.Setenv("COMMPILOT_TEAM_CHANNEL", "discord:"+discordtest.TeamChannelID)
	t.Setenv("DISCORD_GUILD_ID", discordtest.GuildID)
	ssrv.SetScopes(slack.RequiredScopes()...)
	var out bytes.Buffer
	if code := run([]string{"check"}, nil, &out, &out); code != 0 {
		t.Fatalf("check exit %d, want 0:\n%s", code, out.String())
	}
	for _, want := range []string{"signed in as @commpilot", "every scope commpilot needs", "opens Socket Mode connections",
		"signed in as commpilot", "Message Content Intent is on", "the bot is in the server Acme Community", "the channel #team (" + discordtest.TeamChannelID + ") exists",
		"Everything checked is fine."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
	// It did not start the bot: no socket was opened, no command registered.
	if ssrv.Connections() != 0 {
		t.Error("check opened a Socket Mode connection")
	}
}

// TestCheckReportsMissingScopeAndIntent: a bot token without chat:write, an
// application without the Message Content intent and a team channel the bot
// was not invited to are reported, in words that say where to fix them, and
// the exit status is 1.
func TestCheckReportsMissingScopeAndIntent(t *testing.T) {
	ssrv, dsrv := checkWorld(t)
	t.Setenv("COMMPILOT_TEAM_CHANNEL", "slack:C0TEAM")
	ssrv.LeaveChannel("C0TEAM")
	scopes := slices.DeleteFunc(slack.RequiredScopes(), func(s string) bool { return s == "chat:write" })
	ssrv.SetScopes(scopes...)
	dsrv.DisableApplicationFlags(discordtest.FlagGatewayMessageContentLimited)
	var out bytes.Buffer
	if code := run([]string{"check"}, nil, &out, &out); code != 1 {
		t.Fatalf("check exit %d, want 1:\n%s", code, out.String())
	}
	for _, want := range []string{
		"PROBLEM: the bot token lacks the scope chat:write (for chat.delete, chat.postEphemeral, chat.postMessage, chat.update): add them under OAuth & Permissions",
		"PROBLEM: the Message Content Intent is off: switch it on in the Developer Portal",
		"PROBLEM: the bot is not in the channel C0TEAM: invite it there with /invite @commpilot",
		"3 problems to fix.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestCheckReportsBadTokensAndUnreachableLLM(t *testing.T) {
	checkWorld(t)
	t.Setenv("SLACK_APP_TOKEN", "xapp-revoked")
	t.Setenv("DISCORD_TOKEN", "wrong-token")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("OPENAI_BASE_URL", "http://"+ln.Addr().String()+"/v1")
	ln.Close()
	var out bytes.Buffer
	if code := run([]string{"check"}, nil, &out, &out); code != 1 {
		t.Fatalf("check exit %d, want 1:\n%s", code, out.String())
	}
	for _, want := range []string{"SLACK_APP_TOKEN cannot open a Socket Mode connection (invalid_auth)",
		"Discord refused DISCORD_TOKEN (401)", "did not answer a models list", "3 problems to fix."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "wrong-token") || strings.Contains(out.String(), "xapp-revoked") {
		t.Errorf("check printed a token:\n%s", out.String())
	}

	t.Setenv("DISCORD_TOKEN", discordtest.Token)
	t.Setenv("COMMPILOT_TEAM_CHANNEL", "discord:123456789012345678")
	t.Setenv("DISCORD_GUILD_ID", "800000000000000099")
	out.Reset()
	if code := run([]string{"check"}, nil, &out, &out); code != 1 || !strings.Contains(out.String(), "the channel 123456789012345678 does not exist") ||
		!strings.Contains(out.String(), "the bot is not in the server DISCORD_GUILD_ID=800000000000000099") {
		t.Errorf("check of a made-up server and team channel: exit %d:\n%s", code, out.String())
	}
}

func TestCheckWarnsOfADatabaseOutsideTheVolume(t *testing.T) {
	ssrv, _ := checkWorld(t)
	ssrv.SetScopes(slack.RequiredScopes()...)
	t.Setenv("COMMPILOT_VOLUME", t.TempDir())
	t.Setenv("COMMPILOT_DB", filepath.Join(t.TempDir(), "commpilot.db"))
	var out bytes.Buffer
	if code := run([]string{"check"}, nil, &out, &out); code != 1 || !strings.Contains(out.String(), "PROBLEM: the database is outside the container's volume") {
		t.Errorf("check exit %d:\n%s", code, out.String())
	}
}

func TestCheckRefusesBadConfiguration(t *testing.T) {
	checkWorld(t)
	t.Setenv("COMMPILOT_LOG_LEVEL", "loud")
	var out bytes.Buffer
	if code := run([]string{"check"}, nil, &out, &out); code != 1 || !strings.Contains(out.String(), `COMMPILOT_LOG_LEVEL "loud" is not a log level`) {
		t.Errorf("check exit %d:\n%s", code, out.String())
	}
}
