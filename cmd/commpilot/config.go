package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// Config is commpilot's configuration, read from the environment.
type Config struct {
	DiscordToken   string
	DiscordGuildID string
	DiscordAPIURL  string

	SlackBotToken      string
	SlackAppToken      string
	SlackSigningSecret string
	SlackAPIURL        string

	OpenAIKey     string
	OpenAIBaseURL string
	OpenAIModel   string

	DBPath   string
	HTTPAddr string
	// Volume is the directory the container image declares as its volume
	// (COMMPILOT_VOLUME); the bot warns when DBPath is outside it.
	Volume string

	// LogLevel and LogFormat ("text" or "json") shape the logs
	// (COMMPILOT_LOG_LEVEL, COMMPILOT_LOG_FORMAT).
	LogLevel  slog.Level
	LogFormat string

	// Initial holds the initial settings from COMMPILOT_*; values saved
	// with /cm setup win over them.
	Initial bot.Settings

	// Clock, when set, replaces the wall clock of the timers and the
	// digest. It is not read from the environment: tests set it.
	Clock bot.Clock
}

// Variables lists every variable commpilot reads, for the docs and .env.example test.
func Variables() []string {
	return []string{
		"DISCORD_TOKEN", "DISCORD_GUILD_ID", "DISCORD_API_URL",
		"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL",
		"OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL",
		"COMMPILOT_DB", "COMMPILOT_HTTP_ADDR", "COMMPILOT_TEAM_CHANNEL", "COMMPILOT_BRAND",
		"COMMPILOT_STAFF", "COMMPILOT_TZ", "COMMPILOT_LANG",
		"COMMPILOT_LOG_LEVEL", "COMMPILOT_LOG_FORMAT", "COMMPILOT_VOLUME",
	}
}

// secretVars are never printed.
var secretVars = map[string]bool{
	"DISCORD_TOKEN": true, "SLACK_BOT_TOKEN": true, "SLACK_APP_TOKEN": true,
	"SLACK_SIGNING_SECRET": true, "OPENAI_API_KEY": true,
}

// Defaults of COMMPILOT_DB and COMMPILOT_HTTP_ADDR, used when a variable is
// unset or empty. The container image sets its own at build time
// (-ldflags "-X main.DefaultDBPath=/data/commpilot.db -X
// main.DefaultHTTPAddr=0.0.0.0:8080"), so that an --env-file with empty
// values keeps the database in the volume.
var (
	DefaultDBPath   = "./commpilot.db"
	DefaultHTTPAddr = "127.0.0.1:8080"
)

// logLevels are the accepted values of COMMPILOT_LOG_LEVEL.
var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo,
	"warn": slog.LevelWarn, "error": slog.LevelError}

// ErrNoPlatform means neither Discord nor Slack is configured.
var ErrNoPlatform = errors.New("no platform configured")

// LoadConfig reads the configuration with getenv and validates it. Every
// problem is reported, each naming its variable and what is accepted, never
// the value of a secret.
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := Config{
		DiscordToken:       get("DISCORD_TOKEN"),
		DiscordGuildID:     get("DISCORD_GUILD_ID"),
		DiscordAPIURL:      get("DISCORD_API_URL"),
		SlackBotToken:      get("SLACK_BOT_TOKEN"),
		SlackAppToken:      get("SLACK_APP_TOKEN"),
		SlackSigningSecret: get("SLACK_SIGNING_SECRET"),
		SlackAPIURL:        get("SLACK_API_URL"),
		OpenAIKey:          get("OPENAI_API_KEY"),
		OpenAIBaseURL:      get("OPENAI_BASE_URL"),
		OpenAIModel:        get("OPENAI_MODEL"),
		DBPath:             get("COMMPILOT_DB"),
		HTTPAddr:           get("COMMPILOT_HTTP_ADDR"),
		Volume:             get("COMMPILOT_VOLUME"),
		LogFormat:          strings.ToLower(get("COMMPILOT_LOG_FORMAT")),
	}
	if c.DBPath == "" {
		c.DBPath = DefaultDBPath
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = DefaultHTTPAddr
	}
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	if c.DiscordGuildID != "" && !isSnowflake(c.DiscordGuildID) {
		bad("DISCORD_GUILD_ID must be a numeric Discord id (Developer Mode → right-click the server → Copy Server ID)")
	}
	if c.DiscordGuildID != "" && c.DiscordToken == "" {
		bad("DISCORD_GUILD_ID is set but DISCORD_TOKEN is empty")
	}
	if c.DiscordToken != "" && strings.ContainsAny(c.DiscordToken, " \t") {
		bad("DISCORD_TOKEN must be the bot token alone, without spaces or a \"Bot \" prefix")
	}
	checkURL(&errs, "DISCORD_API_URL", c.DiscordAPIURL, false)
	checkURL(&errs, "SLACK_API_URL", c.SlackAPIURL, true)
	checkURL(&errs, "OPENAI_BASE_URL", c.OpenAIBaseURL, false)

	slackAny := c.SlackBotToken != "" || c.SlackAppToken != "" || c.SlackSigningSecret != ""
	if slackAny {
		switch {
		case c.SlackBotToken == "":
			bad("SLACK_BOT_TOKEN is required with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET (it starts with xoxb-)")
		case !strings.HasPrefix(c.SlackBotToken, "xoxb-"):
			bad("SLACK_BOT_TOKEN must start with xoxb- (the Bot User OAuth Token)")
		}
		if c.SlackSigningSecret == "" {
			switch {
			case c.SlackAppToken == "":
				bad("SLACK_APP_TOKEN is required for Socket Mode (it starts with xapp-), or set SLACK_SIGNING_SECRET for the HTTP API")
			case !strings.HasPrefix(c.SlackAppToken, "xapp-"):
				bad("SLACK_APP_TOKEN must start with xapp- (an app-level token with connections:write)")
			}
		} else if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-") {
			bad("SLACK_APP_TOKEN must start with xapp- (an app-level token with connections:write)")
		}
	}
	if v := get("COMMPILOT_LOG_LEVEL"); v != "" {
		l, ok := logLevels[strings.ToLower(v)]
		if !ok {
			bad("COMMPILOT_LOG_LEVEL %q is not a log level: use debug, info, warn or error", v)
		}
		c.LogLevel = l
	}
	switch c.LogFormat {
	case "":
		c.LogFormat = "text"
	case "text", "json":
	default:
		bad("COMMPILOT_LOG_FORMAT %q is not a log format: use text or json", c.LogFormat)
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		bad("COMMPILOT_HTTP_ADDR must be host:port, such as 127.0.0.1:8080 or :8080")
	}

	c.Initial = bot.Settings{Retention: bot.Duration(bot.DefaultRetention)}
	if v := get("COMMPILOT_TEAM_CHANNEL"); v != "" {
		ref, err := bot.ParseChannelRef(v)
		if err != nil {
			bad("COMMPILOT_TEAM_CHANNEL must be slack:CHANNELID or discord:CHANNELID, got %q", v)
		}
		c.Initial.TeamChannel = ref
	}
	for _, k := range bot.SplitList(get("COMMPILOT_BRAND")) {
		c.Initial.Brand = append(c.Initial.Brand, k)
	}
	for _, s := range bot.SplitList(get("COMMPILOT_STAFF")) {
		ref, ok := bot.ParseStaffRef(s)
		if !ok {
			bad("COMMPILOT_STAFF entry %q must be slack:USERID, slack-role:GROUPID, discord:USERID or discord-role:ROLEID", s)
			continue
		}
		c.Initial.Staff = append(c.Initial.Staff, ref)
	}
	if tz := get("COMMPILOT_TZ"); tz != "" {
		if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
			bad("COMMPILOT_TZ %q is not a time zone: use an IANA name such as Europe/Paris or UTC", tz)
		}
		c.Initial.Timezone = tz
	}
	if l := get("COMMPILOT_LANG"); l != "" {
		lang, ok := bot.ParseLang(l)
		if !ok {
			bad("COMMPILOT_LANG %q is not supported: use en, fr or nl", l)
		}
		c.Initial.Language = lang
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	if c.DiscordToken == "" && !slackAny {
		return c, ErrNoPlatform
	}
	return c, nil
}

// HasDiscord and HasSlack say which platforms are configured.
func (c Config) HasDiscord() bool { return c.DiscordToken != "" }

// HasSlack reports whether Slack is configured.
func (c Config) HasSlack() bool { return c.SlackBotToken != "" }

// HasLLM reports whether an LLM is configured: a base URL (local servers need
// no key) or a key (for OpenAI itself).
func (c Config) HasLLM() bool { return c.OpenAIBaseURL != "" || c.OpenAIKey != "" }

// NewLogger returns the logger c asks for, writing to w.
func (c Config) NewLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// LogDataPath logs the database's absolute path and warns when it is not
// inside Volume, where the container keeps its data: a database outside it
// is lost with the container.
func (c Config) LogDataPath(log *slog.Logger) {
	abs, outside := c.dataPath()
	log.Info("database", "path", abs)
	if outside {
		log.Warn(outsideVolume, "path", abs, "volume", c.Volume)
	}
}

const outsideVolume = "the database is outside the container's volume and will be lost with the container: " +
	"unset COMMPILOT_DB or point it into the volume"

// dataPath returns the database's absolute path and whether it is outside
// Volume (when one is declared).
func (c Config) dataPath() (abs string, outside bool) {
	abs, err := filepath.Abs(c.DBPath)
	if err != nil {
		abs = c.DBPath
	}
	if c.Volume == "" {
		return abs, false
	}
	rel, err := filepath.Rel(filepath.Clean(c.Volume), abs)
	return abs, err != nil || rel == ".." || strings.HasPrefix(rel, "../")
}

func checkURL(errs *[]error, name, v string, wantSlash bool) {
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		*errs = append(*errs, fmt.Errorf("%s must be an http(s) URL, got %q", name, v))
		return
	}
	if wantSlash && !strings.HasSuffix(v, "/") {
		*errs = append(*errs, fmt.Errorf("%s must end with / (like https://slack.com/api/), got %q", name, v))
	}
}

func isSnowflake(s string) bool {
	if len(s) < 15 || len(s) > 21 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// noPlatformHelp is printed when no platform is configured.
const noPlatformHelp = `commpilot: no chat platform is configured, so there is nothing to connect to.
To see commpilot work without any token, run:  commpilot playground  (a local chat in your browser)

To connect to Discord or Slack, set at least one of:
  DISCORD_TOKEN                      a Discord bot token (Developer Portal → your app → Bot → Reset Token)
  SLACK_BOT_TOKEN + SLACK_APP_TOKEN  Slack tokens (xoxb-… and xapp-…) for Socket Mode
  SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET  Slack over the HTTP Events API instead
in the environment or in a .env file (see .env.example), then run commpilot again.

Meanwhile these work offline:
  commpilot classify [FILE]    classify messages (language, sentiment, kind, urgency) from a file or stdin
  commpilot backup FILE        copy the database to FILE
  commpilot version            print the version
  commpilot help               all commands
`
