package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/discord/discordtest"
)

// TestLivenessHoldsWhileAPlatformIsDown: with Discord unreachable the bot is
// alive (/healthz 200, so the container is not restarted) but not ready
// (/readyz 503), and commpilot health says so in words.
func TestLivenessHoldsWhileAPlatformIsDown(t *testing.T) {
	clearEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String() // nothing answers there
	ln.Close()
	m := NewMain(Config{DBPath: filepath.Join(t.TempDir(), "commpilot.db"), HTTPAddr: "127.0.0.1:0",
		DiscordToken: discordtest.Token, DiscordAPIURL: down}, slog.New(slog.DiscardHandler))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })

	get := func(path string) (int, Health) {
		resp, err := http.Get("http://" + m.HTTPAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var h Health
		if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, h
	}
	if code, h := get("/healthz"); code != http.StatusOK || h.Database != "ok" || h.Platforms[bot.Discord] == bot.StateConnected {
		t.Errorf("/healthz with Discord down: %d %+v, want 200 and Discord not connected", code, h)
	}
	if code, h := get("/readyz"); code != http.StatusServiceUnavailable || h.Status != "degraded" {
		t.Errorf("/readyz with Discord down: %d %+v, want 503", code, h)
	}

	t.Setenv("COMMPILOT_HTTP_ADDR", m.HTTPAddr)
	var out, errb bytes.Buffer
	if code := run([]string{"health"}, nil, &out, &errb); code != 0 {
		t.Errorf("commpilot health with Discord down: exit %d, want 0 (alive): %s", code, errb.String())
	}
	state := string(m.Engine.Health()[bot.Discord])
	if !strings.Contains(out.String(), "discord: ") || strings.Contains(out.String(), "map[") ||
		!strings.Contains(out.String(), "database: ok") {
		t.Errorf("commpilot health printed %q, want plain words such as \"discord: %s\"", out.String(), state)
	}
	out.Reset()
	if code := run([]string{"health", "--ready"}, nil, &out, &errb); code != 1 {
		t.Errorf("commpilot health --ready with Discord down: exit %d, want 1:\n%s", code, out.String())
	}
}
