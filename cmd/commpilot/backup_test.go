package main

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot"
)

// marker is stored in the database so that a copy of it shows.
const marker = "Brand-Marker-7f3a9c"

func storeMarker(t *testing.T, m *Main) {
	t.Helper()
	if _, err := m.Settings.UpdateSettings(context.Background(), func(s *bot.Settings) error {
		s.Brand = append(s.Brand, marker)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestNoDatabaseThroughAReverseProxy: behind a proxy on the same host every
// request comes from loopback; no path of the public listener hands out the
// database, while commpilot backup still gets it over the socket.
func TestNoDatabaseThroughAReverseProxy(t *testing.T) {
	clearEnv(t)
	path := filepath.Join(t.TempDir(), "commpilot.db")
	m := startMain(t, path)
	storeMarker(t, m)
	target, _ := url.Parse("http://" + m.HTTPAddr)
	proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
	defer proxy.Close()
	for _, p := range []string{"/backup", "/backup/", "/backup?x=1", "//backup", "/Backup", "/%62ackup", "/slack/../backup",
		"/healthz/../backup", "/metrics", "/healthz", "/readyz", "/", "/commpilot.db", "/debug/pprof/"} {
		resp, err := proxy.Client().Get(proxy.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if bytes.Contains(body, []byte(marker)) || resp.Header.Get("Content-Type") == "application/octet-stream" {
			t.Errorf("GET %s through the proxy returned the database (%d, %d bytes)", p, resp.StatusCode, len(body))
		}
	}

	t.Setenv("COMMPILOT_DB", path)
	out := filepath.Join(t.TempDir(), "copy.db")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"backup", out}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("backup while the bot runs: exit %d: %s", code, stderr.String())
	}
	if b, _ := os.ReadFile(out); !bytes.Contains(b, []byte(marker)) {
		t.Error("the backup over the socket lacks the stored data")
	}
}

// TestBackupErrorsSayEachThingOnce: a failed backup is one line naming the
// database once, without "backup: backup …".
func TestBackupErrorsSayEachThingOnce(t *testing.T) {
	clearEnv(t)
	path := filepath.Join(t.TempDir(), "missing.db")
	t.Setenv("COMMPILOT_DB", path)
	var stderr bytes.Buffer
	if code := run([]string{"backup", filepath.Join(t.TempDir(), "out.db")}, nil, io.Discard, &stderr); code != 1 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	line := strings.TrimSuffix(stderr.String(), "\n")
	if strings.Count(line, path) != 1 || strings.Count(line, "backup") != 1 || strings.Contains(line, "\n") {
		t.Errorf("backup error repeats itself: %q", line)
	}
	if !strings.Contains(line, "no database at "+path) {
		t.Errorf("backup error does not say what is wrong: %q", line)
	}
}

// TestRestoreCommand: refused while the bot runs (nothing changes), then
// the backup replaces the database and the old one is kept as .bak.
func TestRestoreCommand(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "commpilot.db")
	m := startMain(t, path)
	storeMarker(t, m)
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := m.DB.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	t.Setenv("COMMPILOT_DB", path)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"restore", backup}, nil, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "a running bot uses "+path+": stop it, then restore") {
		t.Fatalf("restore while running: exit %d: %s", code, stderr.String())
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	// A fresh database stands in for a lost one; the backup brings the data back.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	m2 := startMain(t, path)
	m2.Close()

	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"restore", backup}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("restore: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "kept as "+path+".bak") {
		t.Errorf("restore output: %s", stdout.String())
	}
	m3 := startMain(t, path)
	s, err := m3.Settings.Settings(context.Background())
	if err != nil || !strings.Contains(strings.Join(s.Brand, ","), marker) {
		t.Errorf("restored settings %v, %v: want the backup's brand", s.Brand, err)
	}

	stderr.Reset()
	notDB := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notDB, bytes.Repeat([]byte("not a database\n"), 500), 0o600); err != nil {
		t.Fatal(err)
	}
	m3.Close()
	if code := run([]string{"restore", notDB}, nil, io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "is not a commpilot database") {
		t.Errorf("restore of a text file: exit %d: %s", code, stderr.String())
	}
}

// TestNoSocketInASharedDirectory: in a directory other users can write to,
// the bot runs without a backup socket, and commpilot backup says why it
// cannot copy the running bot's database.
func TestNoSocketInASharedDirectory(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "commpilot.db")
	startMain(t, path)
	if _, err := os.Lstat(path + ".sock"); err == nil {
		t.Fatal("a backup socket was made in a world-writable directory")
	}
	t.Setenv("COMMPILOT_DB", path)
	var stderr bytes.Buffer
	if code := run([]string{"backup", filepath.Join(t.TempDir(), "out.db")}, nil, io.Discard, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "in use by a running bot that serves no backup socket at "+path+".sock") {
		t.Errorf("backup: exit %d: %s", code, stderr.String())
	}
}
