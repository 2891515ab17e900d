package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		errs []string // every one must appear; none means valid
	}{
		{"discord only", map[string]string{"DISCORD_TOKEN": "abc.def.ghi"}, nil},
		{"slack socket mode", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, nil},
		{"slack http mode", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cr3t"}, nil},
		{"bad app token", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-oops"},
			[]string{"SLACK_APP_TOKEN must start with xapp-"}},
		{"bad bot token", map[string]string{"SLACK_BOT_TOKEN": "xoxp-user", "SLACK_APP_TOKEN": "xapp-1"},
			[]string{"SLACK_BOT_TOKEN must start with xoxb-"}},
		{"app token alone", map[string]string{"SLACK_APP_TOKEN": "xapp-1"},
			[]string{"SLACK_BOT_TOKEN is required"}},
		{"bot token alone", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"},
			[]string{"SLACK_APP_TOKEN is required for Socket Mode"}},
		{"bad urls and ids", map[string]string{"DISCORD_TOKEN": "t", "DISCORD_GUILD_ID": "myguild",
			"DISCORD_API_URL": "ftp://x", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "SLACK_API_URL": "http://127.0.0.1:1/api"},
			[]string{"DISCORD_GUILD_ID must be a numeric Discord id", "DISCORD_API_URL must be an http(s) URL", "SLACK_API_URL must end with /"}},
		{"bad initial settings", map[string]string{"DISCORD_TOKEN": "t", "COMMPILOT_TEAM_CHANNEL": "general",
			"COMMPILOT_STAFF": "slack:U1, bob", "COMMPILOT_TZ": "Mars/Base", "COMMPILOT_LANG": "de", "COMMPILOT_HTTP_ADDR": "8080"},
			[]string{`COMMPILOT_TEAM_CHANNEL must be slack:CHANNELID or discord:CHANNELID, got "general"`, `COMMPILOT_STAFF entry "bob"`,
				`COMMPILOT_TZ "Mars/Base" is not a time zone`, `COMMPILOT_LANG "de" is not supported: use en, fr or nl`, "COMMPILOT_HTTP_ADDR must be host:port"}},
		{"bad log settings", map[string]string{"DISCORD_TOKEN": "t", "COMMPILOT_LOG_LEVEL": "verbose", "COMMPILOT_LOG_FORMAT": "xml"},
			[]string{`COMMPILOT_LOG_LEVEL "verbose" is not a log level: use debug, info, warn or error`,
				`COMMPILOT_LOG_FORMAT "xml" is not a log format: use text or json`}},
		{"log settings", map[string]string{"DISCORD_TOKEN": "t", "COMMPILOT_LOG_LEVEL": "DEBUG", "COMMPILOT_LOG_FORMAT": "json"}, nil},
		{"slack user group as staff", map[string]string{"DISCORD_TOKEN": "t", "COMMPILOT_STAFF": "slack-role:S0123"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(env(tt.env))
			if len(tt.errs) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range tt.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
			for k, v := range tt.env {
				if secretVars[k] && len(v) > 3 && strings.Contains(err.Error(), v) {
					t.Errorf("error prints the secret %s", k)
				}
			}
		})
	}
}

func TestLoadConfigDefaultsAndInitialSettings(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{"DISCORD_TOKEN": "t", "COMMPILOT_TEAM_CHANNEL": "slack:C0123",
		"COMMPILOT_BRAND": "Acme, ACME Cloud", "COMMPILOT_STAFF": "slack:U0123,discord-role:777777777777777777",
		"COMMPILOT_TZ": "Europe/Paris", "COMMPILOT_LANG": "fr"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DBPath != DefaultDBPath || c.HTTPAddr != DefaultHTTPAddr {
		t.Errorf("defaults %q %q", c.DBPath, c.HTTPAddr)
	}
	in := c.Initial
	if in.TeamChannel.String() != "slack:C0123" || strings.Join(in.Brand, "|") != "Acme|ACME Cloud" ||
		strings.Join(in.Staff, "|") != "slack:U0123|discord-role:777777777777777777" || in.Timezone != "Europe/Paris" || in.Language != "fr" {
		t.Errorf("initial settings %+v", in)
	}
}

func TestNoPlatform(t *testing.T) {
	_, err := LoadConfig(env(map[string]string{"OPENAI_API_KEY": "sk-x"}))
	if !errors.Is(err, ErrNoPlatform) {
		t.Fatalf("err %v, want ErrNoPlatform", err)
	}
}

// TestEnvExampleDocumentsEveryVariable: every variable is in .env.example,
// and only the tokens that enable a platform are left uncommented and empty
// (docker run --env-file passes an empty line as an empty value).
func TestEnvExampleDocumentsEveryVariable(t *testing.T) {
	b, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Variables() {
		if !strings.Contains(string(b), "\n"+v+"=") && !strings.Contains(string(b), "\n# "+v+"=") {
			t.Errorf(".env.example lacks %s", v)
		}
	}
	tokens := map[string]bool{"DISCORD_TOKEN": true, "SLACK_BOT_TOKEN": true, "SLACK_APP_TOKEN": true}
	for _, line := range strings.Split(string(b), "\n") {
		if k, _, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") && !tokens[k] {
			t.Errorf(".env.example sets the optional %s: comment it out", k)
		}
	}
}

func TestJSONLogs(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{"DISCORD_TOKEN": "t", "COMMPILOT_LOG_FORMAT": "json", "COMMPILOT_LOG_LEVEL": "warn"}))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	log := c.NewLogger(&b)
	log.Info("hidden")
	log.Warn("shown", "k", "v")
	var rec map[string]any
	if err := json.Unmarshal(b.Bytes(), &rec); err != nil || rec["msg"] != "shown" || rec["k"] != "v" {
		t.Errorf("log output %q: want one JSON warn record (%v)", b.String(), err)
	}
}

func TestBadLogLevelRefusedAtStart(t *testing.T) {
	clearEnv(t)
	t.Setenv("DISCORD_TOKEN", "t")
	t.Setenv("COMMPILOT_LOG_LEVEL", "verbose")
	var errb bytes.Buffer
	if code := run([]string{"run"}, nil, &bytes.Buffer{}, &errb); code != 2 || !strings.Contains(errb.String(), `COMMPILOT_LOG_LEVEL "verbose" is not a log level`) {
		t.Errorf("exit %d: %s", code, errb.String())
	}
}

// TestDataPathLoggedAndWarnedOutsideVolume: the start log names the
// database's absolute path, and warns when it is outside the volume.
func TestDataPathLoggedAndWarnedOutsideVolume(t *testing.T) {
	vol := t.TempDir()
	for _, tc := range []struct {
		db   string
		warn bool
	}{{filepath.Join(vol, "commpilot.db"), false}, {filepath.Join(vol, "sub", "x.db"), false},
		{filepath.Join(t.TempDir(), "commpilot.db"), true}, {vol + "-other/commpilot.db", true}} {
		var b bytes.Buffer
		Config{DBPath: tc.db, Volume: vol}.LogDataPath(slog.New(slog.NewTextHandler(&b, nil)))
		if !strings.Contains(b.String(), "path="+tc.db) {
			t.Errorf("log lacks the absolute path %s: %s", tc.db, b.String())
		}
		if got := strings.Contains(b.String(), "outside the container's volume"); got != tc.warn {
			t.Errorf("%s in volume %s: warned %v, want %v: %s", tc.db, vol, got, tc.warn, b.String())
		}
	}
	t.Chdir(vol)
	var b bytes.Buffer
	Config{DBPath: "./commpilot.db"}.LogDataPath(slog.New(slog.NewTextHandler(&b, nil)))
	if !strings.Contains(b.String(), "path="+filepath.Join(vol, "commpilot.db")) {
		t.Errorf("relative path not logged as absolute: %s", b.String())
	}
}
