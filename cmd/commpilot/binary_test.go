package main

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot/discord/discordtest"
)

// buildBinary builds commpilot with go build, as a user or the Dockerfile
// does, into a temporary directory; ldflags are passed to -ldflags.
func buildBinary(t *testing.T, ldflags string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "commpilot")
	cmd := exec.Command("go", "build", "-ldflags", ldflags, "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// bareEnv is the environment of a binary run in a test: PATH and HOME, and
// every commpilot variable unset.
func bareEnv(extra ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, extra...)
}

// TestTimeZonesWithoutZoneinfo: on a host without zoneinfo (hidden here by
// an empty tmpfs over /usr/share/zoneinfo in a private mount namespace, with
// ZONEINFO and GOROOT pointing nowhere), COMMPILOT_TZ=Europe/Paris is
// accepted: the binary carries its own time-zone data.
func TestTimeZonesWithoutZoneinfo(t *testing.T) {
	if _, err := exec.LookPath("unshare"); err != nil || os.Geteuid() != 0 {
		t.Skip("needs unshare and root to hide the host's zoneinfo")
	}
	bin := buildBinary(t, "")
	nowhere := filepath.Join(t.TempDir(), "nowhere")
	script := `mount -t tmpfs none /usr/share/zoneinfo && test ! -e /usr/share/zoneinfo/Europe/Paris && exec "$0" "$@"`
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script, bin, "run")
	cmd.Dir = t.TempDir()
	cmd.Env = bareEnv("ZONEINFO="+nowhere, "GOROOT="+nowhere, "COMMPILOT_TZ=Europe/Paris")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if !strings.Contains(stderr.String(), "no chat platform is configured") {
		if strings.Contains(stderr.String(), "COMMPILOT_TZ") {
			t.Fatalf("Europe/Paris refused without the host's zoneinfo:\n%s", stderr.String())
		}
		t.Skipf("could not hide the host's zoneinfo (%v): %s", err, stderr.String())
	}
}

// dockerfileValue returns the first match of re's group in the Dockerfile.
func dockerfileValue(t *testing.T, re string) string {
	t.Helper()
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(re).FindSubmatch(b)
	if m == nil {
		t.Fatalf("Dockerfile has no %s", re)
	}
	return string(m[1])
}

// envFile reads .env.example as docker run --env-file does: every line
// KEY=VALUE that is not a comment, values as written (empty ones too).
func envFile(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// TestEmptyEnvFileValuesKeepTheImageDefaults: the image's database path is
// built into the binary and inside its volume; run with an env-file where
// COMMPILOT_DB and COMMPILOT_HTTP_ADDR are present but empty (as an old
// .env.example had them), the database still goes into the volume, the
// start log names its absolute path, version and no warning.
func TestEmptyEnvFileValuesKeepTheImageDefaults(t *testing.T) {
	volume := dockerfileValue(t, `(?m)^VOLUME \["([^"]+)"\]`)
	if v := dockerfileValue(t, `(?m)^ENV COMMPILOT_VOLUME=(\S+)`); v != volume {
		t.Errorf("COMMPILOT_VOLUME=%s, but the image's volume is %s", v, volume)
	}
	imageDB := dockerfileValue(t, `-X main\.DefaultDBPath=(\S+)`)
	if filepath.Dir(imageDB) != volume {
		t.Fatalf("the image's default database %s is not in its volume %s", imageDB, volume)
	}
	dockerfileValue(t, `(-X main\.version=\$\{VERSION\})`)

	// The image, re-rooted in a temporary directory.
	root := t.TempDir()
	vol := filepath.Join(root, volume)
	if err := os.MkdirAll(vol, 0o755); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	bin := buildBinary(t, "-X main.version=v0.0.0-test -X main.DefaultDBPath="+filepath.Join(root, imageDB)+
		" -X main.DefaultHTTPAddr="+addr)

	dsrv := discordtest.New(t)
	env := bareEnv(append(envFile(t), "COMMPILOT_DB=", "COMMPILOT_HTTP_ADDR=", "COMMPILOT_VOLUME="+vol,
		"DISCORD_TOKEN="+discordtest.Token, "DISCORD_API_URL="+dsrv.URL())...)
	home := t.TempDir() // the image's user's home, where ./commpilot.db went
	cmd := exec.Command(bin, "run")
	cmd.Dir, cmd.Env = home, env
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var log strings.Builder
	started := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "commpilot started") {
				close(started)
				break
			}
		}
	}()
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the bot did not start within 30 s")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	text := log.String()
	want := filepath.Join(vol, "commpilot.db")
	if _, err := os.Stat(want); err != nil {
		t.Errorf("no database in the volume at %s: %v\n%s", want, err, text)
	}
	if _, err := os.Stat(filepath.Join(home, "commpilot.db")); err == nil {
		t.Errorf("the database went to the working directory, outside the volume")
	}
	if !strings.Contains(text, "path="+want) || !strings.Contains(text, "version=v0.0.0-test") ||
		strings.Contains(text, "outside the container's volume") {
		t.Errorf("start log should name %s and the version, without a warning:\n%s", want, text)
	}
}
