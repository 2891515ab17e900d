package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot/discord/discordtest"
	"github.com/commpilot/commpilot/bot/slack/slacktest"
	"github.com/commpilot/commpilot/storage"
)

// intakeWorld is a fake Discord (the community) and a fake Slack (the team
// channel, paced at one post per second by the adapter) that outlive the
// commpilot processes a test starts and kills on one database.
type intakeWorld struct {
	t       *testing.T
	discord *discordtest.Server
	slack   *slacktest.Server
	db      string
}

func newIntakeWorld(t *testing.T) *intakeWorld {
	w := &intakeWorld{t: t, discord: discordtest.New(t), slack: slacktest.New(t),
		db: filepath.Join(t.TempDir(), "commpilot.db")}
	return w
}

// start runs a commpilot process; the first one is told to watch #general.
func (w *intakeWorld) start(first bool) *child {
	w.t.Helper()
	c := startChild(w.t, "DISCORD_TOKEN="+discordtest.Token, "DISCORD_API_URL="+w.discord.URL(),
		"DISCORD_GUILD_ID="+discordtest.GuildID, "SLACK_BOT_TOKEN="+slacktest.BotToken,
		"SLACK_APP_TOKEN="+slacktest.AppToken, "SLACK_API_URL="+w.slack.APIURL(), "COMMPILOT_DB="+w.db,
		"COMMPILOT_TEAM_CHANNEL=slack:"+slackTeam, "COMMPILOT_BRAND=Acme")
	if !first {
		return c
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := w.discord.WaitCommands(ctx); err != nil {
		w.t.Fatal(err)
	}
	if _, res, err := w.discord.Command(ctx, discordtest.Owner, discordtest.TeamChannelID, "setup watch",
		discordtest.ChannelOpt("channel", discordtest.ChannelID)); err != nil || !strings.Contains(res.Answer().Content, "Now watching") {
		w.t.Fatalf("setup watch: %+v %v", res.Answer(), err)
	}
	return c
}

// complain posts n complaints in the watched channel.
func (w *intakeWorld) complain(n int) {
	for i := range n {
		w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, fmt.Sprintf("My Acme order %d never arrived, this is unacceptable", 7000+i))
	}
}

var cardItem = regexp.MustCompile(`#(\d+) `)

// cards counts the cards in the Slack team channel per item id.
func (w *intakeWorld) cards() map[int]int {
	out := map[int]int{}
	for _, m := range w.slack.BotMessages(slackTeam) {
		if sub := cardItem.FindStringSubmatch(m.Text); sub != nil {
			id, _ := strconv.Atoi(sub[1])
			out[id]++
		}
	}
	return out
}

// items reads the stored item ids once no process holds the database.
func (w *intakeWorld) items() []uint64 {
	w.t.Helper()
	db, err := storage.Open(context.Background(), w.db, storage.Options{Timeout: time.Second})
	if err != nil {
		w.t.Fatal(err)
	}
	defer db.Close()
	items, err := storage.NewInbox(db).Items(context.Background(), nil)
	if err != nil {
		w.t.Fatal(err)
	}
	ids := make([]uint64, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return ids
}

// waitFor polls cond (the fakes and /metrics have no change feed here).
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// finish restarts commpilot on the database and checks that every stored
// item gets exactly one card, then stops it.
func (w *intakeWorld) finish(stored []uint64) *child {
	w.t.Helper()
	c := w.start(false)
	waitFor(w.t, fmt.Sprintf("a card for each of the %d stored items", len(stored)), 60*time.Second, func() bool {
		cards := w.cards()
		for _, id := range stored {
			if cards[int(id)] == 0 {
				return false
			}
		}
		return true
	})
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		w.t.Fatal(err)
	}
	if code := c.wait(w.t, 20*time.Second); code != 0 {
		w.t.Errorf("exit %d after SIGTERM:\n%s", code, c.log())
	}
	for id, n := range w.cards() {
		if n != 1 {
			w.t.Errorf("item #%d has %d cards", id, n)
		}
	}
	if !strings.Contains(c.log(), "inbox recovered") {
		w.t.Errorf("the restart logged no recovery:\n%s", c.log())
	}
	return c
}

// metric sums the samples of name on a child's /metrics.
func metric(t *testing.T, c *child, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + c.addr + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, name); ok && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "{")) {
			if v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64); err == nil {
				sum += v
			}
		}
	}
	return sum
}

// Killed with SIGKILL while complaints arrive and their cards wait behind
// Slack's pacing, then restarted on the same database: every item stored
// before the kill gets exactly one card.
func TestKillDuringIntakeEveryItemGetsOneCard(t *testing.T) {
	w := newIntakeWorld(t)
	c := w.start(true)
	go w.complain(20)
	waitFor(t, "the first cards", 30*time.Second, func() bool { return len(w.cards()) >= 3 })
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	c.wait(t, 10*time.Second)
	stored := w.items()
	if len(stored) <= len(w.cards()) {
		t.Logf("all %d stored items had their card before the kill: the test proves less", len(stored))
	}
	w.finish(stored)
	if got := len(w.cards()); got != len(stored) {
		t.Errorf("%d cards for %d stored items", got, len(stored))
	}
}

// SIGTERM while cards are queued behind Slack's pacing: the process exits
// 0 within the grace period, and after a restart every item has exactly
// one card.
func TestStopWithCardsQueuedHandsThemOver(t *testing.T) {
	w := newIntakeWorld(t)
	c := w.start(true)
	w.complain(16)
	// One card a second: the rest wait in the inbox's queue.
	waitFor(t, "the first cards", 30*time.Second, func() bool { return len(w.cards()) >= 2 })
	if d := metric(t, c, "commpilot_inbox_queue_depth"); d < 8 {
		t.Errorf("queue depth on /metrics %v with 14 cards to post, want at least 8", d)
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := c.wait(t, shutdownGrace+5*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM with cards queued:\n%s", code, c.log())
	}
	stored := w.items()
	if len(stored) != 16 {
		t.Fatalf("%d items stored, want the 16 complaints", len(stored))
	}
	if before := len(w.cards()); before >= len(stored) {
		t.Logf("every card was posted before the stop (%d): the test proves less", before)
	}
	w.finish(stored)
	if got := len(w.cards()); got != len(stored) {
		t.Errorf("%d cards for %d items", got, len(stored))
	}
}
