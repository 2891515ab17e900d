package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/commpilot/commpilot/storage"
)

// clearEnv empties every variable commpilot reads, for this test.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, k := range Variables() {
		t.Setenv(k, "")
	}
	t.Chdir(t.TempDir()) // no stray .env
}

func TestNoTokenExitsTwoWithGuidance(t *testing.T) {
	clearEnv(t)
	var out, errb bytes.Buffer
	code := run(nil, strings.NewReader(""), &out, &errb)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, want := range []string{"DISCORD_TOKEN", "SLACK_BOT_TOKEN + SLACK_APP_TOKEN", "commpilot classify", "commpilot backup"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("message lacks %q:\n%s", want, errb.String())
		}
	}
}

func TestBadConfigExitsTwoWithoutSecrets(t *testing.T) {
	clearEnv(t)
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-very-secret-token")
	t.Setenv("SLACK_APP_TOKEN", "oops-also-secret")
	var out, errb bytes.Buffer
	if code := run([]string{"run"}, nil, &out, &errb); code != 2 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(errb.String(), "SLACK_APP_TOKEN must start with xapp-") {
		t.Errorf("stderr: %s", errb.String())
	}
	if strings.Contains(errb.String(), "very-secret") || strings.Contains(errb.String(), "also-secret") {
		t.Errorf("a secret was printed: %s", errb.String())
	}
}

func TestDotEnvLoadsButEnvironmentWins(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(".env", []byte("SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_APP_TOKEN=bad-from-file\nCOMMPILOT_LANG=fr\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Unsetenv("SLACK_BOT_TOKEN")
	os.Unsetenv("SLACK_APP_TOKEN")
	t.Setenv("COMMPILOT_LANG", "xx-from-env") // set: wins over .env
	var out, errb bytes.Buffer
	if code := run([]string{"run"}, nil, &out, &errb); code != 2 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "SLACK_APP_TOKEN must start with xapp-") {
		t.Errorf(".env not loaded: %s", errb.String())
	}
	if !strings.Contains(errb.String(), `COMMPILOT_LANG "xx-from-env"`) {
		t.Errorf("environment did not win over .env: %s", errb.String())
	}
}

func TestVersionAndHelp(t *testing.T) {
	clearEnv(t)
	var out bytes.Buffer
	if code := run([]string{"version"}, nil, &out, io.Discard); code != 0 || !strings.HasPrefix(out.String(), "commpilot ") {
		t.Errorf("version: %d %q", code, out.String())
	}
	out.Reset()
	if code := run([]string{"help"}, nil, &out, io.Discard); code != 0 || !strings.Contains(out.String(), "backup FILE") || !strings.Contains(out.String(), "compact ") {
		t.Errorf("help: %d %q", code, out.String())
	}
	var errb bytes.Buffer
	if code := run([]string{"frobnicate"}, nil, io.Discard, &errb); code != 2 || !strings.Contains(errb.String(), `unknown command "frobnicate"`) {
		t.Errorf("unknown: %d %q", code, errb.String())
	}
}

// startMain runs a Main with no platform on a free port and a temp DB.
func startMain(t *testing.T, dbPath string) *Main {
	t.Helper()
	m := NewMain(Config{DBPath: dbPath, HTTPAddr: "127.0.0.1:0"}, slog.New(slog.DiscardHandler))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestSecondInstanceFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "commpilot.db")
	startMain(t, path)
	m2 := NewMain(Config{DBPath: path, HTTPAddr: "127.0.0.1:0"}, slog.New(slog.DiscardHandler))
	err := m2.Run(context.Background())
	if err == nil {
		m2.Close()
		t.Fatal("second instance started on the same database")
	}
	if want := "database is in use by another process (" + path + ")"; !strings.Contains(err.Error(), want) {
		t.Errorf("err %q, want %q", err, want)
	}
}

func TestHealthzMetricsAndBackup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "commpilot.db")
	m := startMain(t, path)
	resp, err := http.Get("http://" + m.HTTPAddr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h Health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || h.Status != "ok" || h.Database != "ok" {
		t.Errorf("healthz %d %+v", resp.StatusCode, h)
	}
	resp, err = http.Get("http://" + m.HTTPAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "commpilot_events_total") || !strings.Contains(string(body), "go_goroutines") {
		t.Errorf("metrics lack engine or runtime series")
	}

	// commpilot backup while the bot runs goes through the bot.
	t.Setenv("COMMPILOT_DB", path)
	t.Setenv("COMMPILOT_HTTP_ADDR", m.HTTPAddr)
	out := filepath.Join(t.TempDir(), "copy.db")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"backup", out}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("backup exit %d: %s", code, stderr.String())
	}
	db, err := storage.Open(context.Background(), out, storage.Options{})
	if err != nil {
		t.Fatalf("backup copy does not open: %v", err)
	}
	db.Close()
	if code := run([]string{"health"}, nil, &stdout, &stderr); code != 0 {
		t.Errorf("health exit %d: %s", code, stderr.String())
	}
}

func TestVersionFromBuildInfo(t *testing.T) {
	vcs := func(rev, modified string) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}}
	}
	for _, tc := range []struct {
		stamped string
		bi      *debug.BuildInfo
		want    string
	}{
		{"v1.2.3", vcs("0123456789abcdef", "false"), "v1.2.3"},
		{"", &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}}, "v0.4.0"},
		{"", vcs("0123456789abcdef0123", "false"), "dev-0123456789ab"},
		{"", vcs("0123456789abcdef0123", "true"), "dev-0123456789ab-dirty"},
		{"", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"", nil, "dev"},
	} {
		if got := versionOf(tc.stamped, tc.bi); got != tc.want {
			t.Errorf("versionOf(%q, %+v) = %q, want %q", tc.stamped, tc.bi, got, tc.want)
		}
	}
}
