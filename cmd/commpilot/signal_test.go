package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot/discord/discordtest"
	"github.com/commpilot/commpilot/bot/llm/llmtest"
	"github.com/commpilot/commpilot/storage"

	openai "github.com/sashabaranov/go-openai"
)

// TestHelperProcess is the commpilot process of the signal tests; it runs
// only when they start it.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("COMMPILOT_HELPER_PROCESS") != "1" {
		t.Skip("started by TestSignal* as a child process")
	}
	os.Exit(run([]string{"run"}, os.Stdin, os.Stdout, os.Stderr))
}

// child is a commpilot process started from this test binary.
type child struct {
	cmd    *exec.Cmd
	addr   string
	mu     sync.Mutex
	stderr strings.Builder
	done   chan error
}

func startChild(t *testing.T, env ...string) *child {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := &child{addr: addr, done: make(chan error, 1)}
	c.cmd = exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	c.cmd.Dir = t.TempDir()
	c.cmd.Env = append(os.Environ(), append([]string{"COMMPILOT_HELPER_PROCESS=1", "COMMPILOT_HTTP_ADDR=" + addr,
		"SLACK_BOT_TOKEN=", "SLACK_APP_TOKEN=", "SLACK_SIGNING_SECRET=", "OPENAI_API_KEY="}, env...)...)
	pipe, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			c.mu.Lock()
			c.stderr.WriteString(sc.Text() + "\n")
			c.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, pipe)
		c.done <- c.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = c.cmd.Process.Kill()
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz") // platforms connected
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("child never became ready:\n%s", c.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *child) log() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

// wait returns the exit code, failing after timeout.
func (c *child) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case err := <-c.done:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(timeout):
		t.Fatalf("child did not exit within %s:\n%s", timeout, c.log())
		return -1
	}
}

// slowWorld starts a fake Discord and an LLM whose next answer takes delay,
// and a child commpilot watching Discord's #general with #team as team channel.
func slowWorld(t *testing.T, delay time.Duration) (*discordtest.Server, *child, string) {
	t.Helper()
	dsrv, llm := discordtest.New(t), llmtest.New(t)
	llm.Then(func(req openai.ChatCompletionRequest) (int, string) {
		time.Sleep(delay)
		return llmtest.Default(req)
	})
	db := filepath.Join(t.TempDir(), "commpilot.db")
	c := startChild(t, "DISCORD_TOKEN="+discordtest.Token, "DISCORD_API_URL="+dsrv.URL(), "DISCORD_GUILD_ID="+discordtest.GuildID,
		"OPENAI_BASE_URL="+llm.URL(), "COMMPILOT_DB="+db,
		"COMMPILOT_TEAM_CHANNEL=discord:"+discordtest.TeamChannelID, "COMMPILOT_BRAND=Acme")
	// Watching needs a command: /cm setup watch from the owner (an admin).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := dsrv.WaitCommands(ctx); err != nil {
		t.Fatal(err)
	}
	if _, res, err := dsrv.Command(ctx, discordtest.Owner, discordtest.TeamChannelID, "setup watch",
		discordtest.ChannelOpt("channel", discordtest.ChannelID)); err != nil || !strings.Contains(res.Answer().Content, "Now watching") {
		t.Fatalf("setup watch: %+v %v", res.Answer(), err)
	}
	return dsrv, c, db
}

func TestSignalFinishesInFlightWorkThenExits(t *testing.T) {
	dsrv, c, db := slowWorld(t, 1500*time.Millisecond)
	dsrv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "My Acme order never arrived")
	time.Sleep(300 * time.Millisecond) // the message is being classified by the slow LLM
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := c.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM:\n%s", code, c.log())
	}
	if cards := dsrv.Messages(discordtest.TeamChannelID); len(cards) == 0 {
		t.Errorf("the message accepted before SIGTERM was not finished:\n%s", c.log())
	}
	if !strings.Contains(c.log(), "commpilot stopped") {
		t.Errorf("no orderly stop in the log:\n%s", c.log())
	}
	// The database was closed: it opens at once.
	sdb, err := storage.Open(context.Background(), db, storage.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("database left locked: %v", err)
	}
	items, err := storage.NewInbox(sdb).Items(context.Background(), nil)
	sdb.Close()
	if err != nil || len(items) != 1 {
		t.Errorf("items after shutdown: %d, %v", len(items), err)
	}
}

func TestSecondSignalExitsAtOnce(t *testing.T) {
	dsrv, c, _ := slowWorld(t, 4*time.Second)
	dsrv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "My Acme order never arrived")
	time.Sleep(300 * time.Millisecond)
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // shutdown is waiting for the slow event
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code := c.wait(t, 5*time.Second)
	if code != 130 || !strings.Contains(c.log(), "second signal") {
		t.Fatalf("exit %d after a second signal:\n%s", code, c.log())
	}
}
