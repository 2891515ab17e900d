package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/bot/discord/discordtest"
	"github.com/commpilot/commpilot/storage"
)

// digestNow is Thursday 3 December 2026, 09:00 in Paris.
var digestNow = time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)

// restartWith stops Main, lets seed write to its database, and starts it
// again with clock and the team in Paris.
func (w *world) restartWith(clock bot.Clock, seed func(db *storage.DB)) {
	w.t.Helper()
	if err := w.main.Close(); err != nil {
		w.t.Fatal(err)
	}
	if seed != nil {
		db, err := storage.Open(context.Background(), w.cfg.DBPath, storage.Options{})
		if err != nil {
			w.t.Fatal(err)
		}
		seed(db)
		if err := db.Close(); err != nil {
			w.t.Fatal(err)
		}
	}
	w.cfg.Clock = clock
	w.cfg.Initial.Timezone = "Europe/Paris"
	w.start()
}

// seedDigest stores five weeks of ordinary traffic in the Discord community
// channel, a busier last day, and three inbox items.
func seedDigest(t *testing.T, db *storage.DB) {
	t.Helper()
	ctx := context.Background()
	ch := bot.ChannelRef{Platform: bot.Discord, ID: discordtest.ChannelID}
	var stats []bot.HourStats
	for h := digestNow.Add(-35 * 24 * time.Hour); h.Before(digestNow); h = h.Add(time.Hour) {
		n := 3 + h.Hour()%5
		s := bot.HourStats{Hour: h, Channel: ch, Messages: n, Positive: 1, Kinds: map[bot.Kind]int{bot.KindOther: n}}
		if !h.Before(digestNow.Add(-24*time.Hour)) && h.Hour() == 13 {
			s.Messages, s.Negative = s.Messages+12, 10
			s.Kinds[bot.KindComplaint] = 12
			s.Terms = map[string]int{"refund": 6, "late": 8, "late parcel": 7, "parcel": 7}
		}
		stats = append(stats, s)
	}
	if err := storage.NewAggregates(db).Add(ctx, stats, digestNow); err != nil {
		t.Fatal(err)
	}
	inbox := storage.NewInbox(db)
	for i, it := range []bot.Item{
		{State: bot.ItemDrafted, Triage: bot.Triage{Kind: bot.KindComplaint, Urgency: bot.UrgencyHigh}, Created: digestNow.Add(-5 * time.Hour)},
		{State: bot.ItemSent, Triage: bot.Triage{Kind: bot.KindQuestion}, Created: digestNow.Add(-10 * time.Hour), SentAt: digestNow.Add(-9*time.Hour - 20*time.Minute)},
		{State: bot.ItemDrafted, Triage: bot.Triage{Kind: bot.KindMention}, Created: digestNow.Add(-30 * time.Hour),
			Assignee: bot.UserRef{Platform: bot.Slack, ID: slackAlice, Name: "alice"}},
	} {
		_, err := inbox.Conversation(ctx, []string{fmt.Sprint("seed", i)}, func(stored *bot.Item, _ bool) error {
			id := stored.ID
			*stored = it
			// Updated as the inbox sets it: its daily purge reads it.
			stored.Updated = it.Created
			if !it.SentAt.IsZero() {
				stored.Updated = it.SentAt
			}
			stored.ID, stored.Link = id, fmt.Sprintf("https://discord.com/channels/%s/%s/%d", discordtest.GuildID, discordtest.ChannelID, 900+i)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func indentJSON(t *testing.T, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	return append(b.Bytes(), '\n')
}

func checkPNG(t *testing.T, data []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the uploaded chart is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 800 || b.Dy() != 320 {
		t.Errorf("chart is %dx%d, want 800x320", b.Dx(), b.Dy())
	}
}

func TestEndToEndDigestNowOnSlackAndDiscord(t *testing.T) {
	w := newWorld(t)
	w.restartWith(func() time.Time { return digestNow }, func(db *storage.DB) { seedDigest(t, db) })

	// Slack: the card and the chart in the channel where it was typed.
	if got := w.slack.SlashCommand(slackTeam, slackAlice, "digest now"); !strings.Contains(got.Shown(), "Digest posted in <#C0TEAM>") {
		t.Fatalf("slack digest now: %q", got.Shown())
	}
	var digest bytes.Buffer
	for _, m := range w.slack.BotMessages(slackTeam) {
		if strings.Contains(string(m.Blocks), "Daily digest") {
			digest.Write(m.Blocks)
		}
	}
	if digest.Len() == 0 {
		t.Fatal("no digest card in the Slack team channel")
	}
	bottest.Golden(t, filepath.Join("testdata", "digest_slack.golden.json"), indentJSON(t, digest.Bytes()))
	ups := w.slack.Uploads()
	if len(ups) != 1 || ups[0].Channel != slackTeam || ups[0].Name != "digest.png" {
		t.Fatalf("slack uploads = %+v, want the chart in the team channel", ups)
	}
	checkPNG(t, ups[0].Data)

	// Discord: the same digest as an embed, then the chart as an attachment.
	_, res, err := w.discord.Command(w.ctx(), discordtest.Alice, discordtest.TeamChannelID, "digest now")
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Answer().Content; !strings.Contains(got, "Digest posted in <#"+discordtest.TeamChannelID+">") {
		t.Fatalf("discord digest now: %q", got)
	}
	var embed []byte
	for _, r := range w.discord.RequestsTo("POST", "/channels/"+discordtest.TeamChannelID+"/messages") {
		if bytes.Contains(r.Body, []byte("Daily digest")) {
			embed = r.Body
		}
	}
	if embed == nil {
		t.Fatal("no digest embed posted on Discord")
	}
	bottest.Golden(t, filepath.Join("testdata", "digest_discord.golden.json"), indentJSON(t, embed))
	var chart []byte
	for _, m := range w.discord.Messages(discordtest.TeamChannelID) {
		for _, a := range m.Attachments {
			if a.Filename == "digest.png" {
				chart = a.Data
			}
		}
	}
	if chart == nil {
		t.Fatal("no chart uploaded on Discord")
	}
	checkPNG(t, chart)

	// The same response figures on /metrics.
	resp, err := http.Get("http://" + w.main.HTTPAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	metrics, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`commpilot_inbox_open_items{age="4h_24h"} 1`, `commpilot_inbox_open_items{age="ge_24h"} 1`, `commpilot_inbox_open_items{age="lt_1h"} 0`,
		`commpilot_inbox_first_reply_seconds{quantile="0.5"} 2400`, `commpilot_inbox_first_reply_seconds_count 1`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// offsetClock is the wall clock moved by an offset the test sets.
type offsetClock struct{ off atomic.Int64 }

func (c *offsetClock) now() time.Time { return time.Now().Add(time.Duration(c.off.Load())) }

// set makes the clock read t now.
func (c *offsetClock) set(t time.Time) { c.off.Store(int64(time.Until(t))) }

// slackDigests returns the digest cards in the Slack team channel.
func (w *world) slackDigests() []string {
	var out []string
	for _, m := range w.slack.BotMessages(slackTeam) {
		if b := string(m.Blocks); strings.Contains(b, "Daily digest") {
			out = append(out, blockText(w.t, m.Blocks))
		}
	}
	return out
}

func TestEndToEndDailyDigestOncePerDayAcrossRestarts(t *testing.T) {
	w := newWorld(t)
	clock := &offsetClock{}
	at := func(day int, hh, mm, ss int) time.Time {
		paris, _ := time.LoadLocation("Europe/Paris")
		return time.Date(2026, 12, day, hh, mm, ss, 0, paris)
	}
	w.restartWith(clock.now, func(db *storage.DB) { seedDigest(t, db) })
	clock.set(at(3, 8, 59, 56)) // the command below must land before 09:00
	if got := w.slack.SlashCommand(slackTeam, slackAlice, "digest at 09:00"); !strings.Contains(got.Shown(), "every day at 09:00") {
		t.Fatalf("digest at: %q", got.Shown())
	}
	waitUntil(t, "the 09:00 digest", func() bool { return len(w.slackDigests()) == 1 })

	// A restart the same morning does not post it again; the next day's
	// does go out, once.
	clock.set(at(4, 8, 59, 58))
	w.restartWith(clock.now, nil)
	waitUntil(t, "the next day's digest", func() bool { return len(w.slackDigests()) >= 2 })
	d := w.slackDigests()
	if len(d) != 2 || !strings.Contains(d[0], "Wednesday 2 December") || !strings.Contains(d[1], "Thursday 3 December") {
		t.Fatalf("digests after a restart = %d:\n%s", len(d), strings.Join(d, "\n----\n"))
	}

	// Down at 09:00 on the 5th, back at 09:20: it goes out late, marked so.
	if err := w.main.Close(); err != nil {
		t.Fatal(err)
	}
	clock.set(at(5, 9, 20, 0))
	w.restartWith(clock.now, nil)
	waitUntil(t, "the late digest", func() bool { return len(w.slackDigests()) >= 3 })
	d = w.slackDigests()
	if len(d) != 3 || !strings.Contains(d[2], "Sent late: the bot was offline at 09:00") {
		t.Errorf("late digest = %d:\n%s", len(d), d[len(d)-1])
	}
}

func TestEndToEndComplaintSpikePostsOneAlert(t *testing.T) {
	w := newWorld(t)
	// The team works on Discord here: Slack allows one post a second in a
	// channel, which would hold the alert behind 25 inbox cards.
	if _, res, err := w.discord.Command(w.ctx(), discordtest.Alice, discordtest.TeamChannelID, "setup team-channel"); err != nil || !strings.Contains(res.Answer().Content, "Team channel set") {
		t.Fatalf("setup team-channel: %v %+v", err, res.Answer())
	}
	const n = 25
	for i := range n {
		w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, fmt.Sprintf("Acme my parcel is late again, order %d, this is unacceptable", 1000+i))
	}
	alerts := func() []discordtest.Message {
		var out []discordtest.Message
		for _, m := range w.discord.Messages(discordtest.TeamChannelID) {
			if len(m.Embeds) > 0 && strings.Contains(m.Embeds[0].Title, "Spike in") {
				out = append(out, m)
			}
		}
		return out
	}
	waitUntil(t, "a spike alert in the team channel", func() bool { return len(alerts()) > 0 })
	// The spike grows (the inbox stores messages faster than the digest
	// checks, so the first alert may have counted all of them): later checks
	// of the same incident update the card instead of posting.
	for i := range n / 2 {
		w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, fmt.Sprintf("Acme still no parcel, order %d, unacceptable", 2000+i))
	}
	waitUntil(t, "the alert updated as the spike grows", func() bool {
		return len(w.discord.RequestsTo("PATCH", "/channels/"+discordtest.TeamChannelID+"/messages/"+alerts()[0].ID)) > 0
	})
	if a := alerts(); len(a) != 1 {
		t.Fatalf("%d alert cards for one spike, want 1", len(a))
	}
	alert, _ := json.Marshal(alerts()[0].Embeds)
	text := string(alert)
	for _, want := range []string{"parcel", "learning", "/channels/" + discordtest.GuildID + "/" + discordtest.ChannelID + "/"} {
		if !strings.Contains(text, want) {
			t.Errorf("alert lacks %q:\n%s", want, text)
		}
	}
}
