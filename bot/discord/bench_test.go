package discord

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/discord/discordtest"
)

// Interaction answers share a fixed set of rate-limit buckets however many
// interactions there are (discordgo would keep one per token forever).
func TestInteractionBucketsAreBounded(t *testing.T) {
	seen := map[string]bool{}
	for i := range 10000 {
		seen[interactionBucket(strconv.Itoa(1310000000000000000+i))] = true
	}
	if len(seen) > interactionBuckets {
		t.Errorf("10,000 interactions used %d buckets, want at most %d", len(seen), interactionBuckets)
	}
}

// The per-bucket gates hold an entry only while a call holds or waits for
// its bucket, however many buckets were used.
func TestBucketGatesAreBounded(t *testing.T) {
	var g gates
	ctx := context.Background()
	for i := range 10000 {
		release, err := g.acquire(ctx, "channels/"+strconv.Itoa(i)+"/messages")
		if err != nil {
			t.Fatal(err)
		}
		release()
	}
	ended, cancel := context.WithCancel(ctx)
	cancel()
	hold, _ := g.acquire(ctx, "busy")
	if _, err := g.acquire(ended, "busy"); err == nil {
		t.Error("a call waiting behind another got the bucket after its context ended")
	}
	hold()
	if n := len(g.m); n != 0 {
		t.Errorf("%d gate entries left after every call returned, want 0", n)
	}
}

func TestMessageFixtureDecodes(t *testing.T) {
	var m discordgo.MessageCreate
	if err := json.Unmarshal(discordtest.Fixture("message_create.json"), &m); err != nil {
		t.Fatal(err)
	}
	ev, ok := messageEvent(m.Message, discordtest.BotID, false, nil)
	if !ok || ev.ID != "m:1310000000000000001" || ev.Text != "hello" || ev.User.Name != "Bob" || ev.DM {
		t.Errorf("event = %+v, %v", ev, ok)
	}
}

// BenchmarkMessageCreate compares turning a MESSAGE_CREATE payload into a
// bot.Event (decode into discordgo.MessageCreate as discordgo does, note
// the event and the message for a later backfill, then translate) with a
// bare json.Unmarshal of the same payload into discordgo.Message, and shows
// the translation alone.
func BenchmarkMessageCreate(b *testing.B) {
	payload := discordtest.Fixture("message_create.json")
	b.Run("bare-unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m discordgo.Message
			if err := json.Unmarshal(payload, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("to-event", func(b *testing.B) {
		var last seen
		b.ReportAllocs()
		for b.Loop() {
			var m discordgo.MessageCreate
			if err := json.Unmarshal(payload, &m); err != nil {
				b.Fatal(err)
			}
			last.event(time.Now())
			last.message(m.ChannelID, m.ID)
			if _, ok := messageEvent(m.Message, discordtest.BotID, false, nil); !ok {
				b.Fatal("dropped")
			}
		}
	})
	b.Run("translate-only", func(b *testing.B) {
		var m discordgo.MessageCreate
		if err := json.Unmarshal(payload, &m); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := messageEvent(m.Message, discordtest.BotID, false, nil); !ok {
				b.Fatal("dropped")
			}
		}
	})
}

// BenchmarkInteractionHeap answers 100,000 interactions (a command answered
// with an ephemeral message) against a local server and reports the live
// heap after 1,000 and after 100,000, for the adapter and, for comparison,
// for discordgo's own InteractionRespond. Run with -benchtime=1x.
func BenchmarkInteractionHeap(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	const small, large = 1000, 100000
	h := bot.HandlerFunc(func(context.Context, bot.Event) (*bot.Reply, error) { return bot.Text("ok"), nil })
	interaction := func(n int) *discordgo.Interaction {
		id := strconv.Itoa(1310000000000000000 + n)
		return &discordgo.Interaction{ID: id, AppID: discordtest.BotID, Token: "token-" + id, ChannelID: discordtest.ChannelID,
			Type: discordgo.InteractionApplicationCommand, Data: discordgo.ApplicationCommandInteractionData{Name: CommandName,
				Options: []*discordgo.ApplicationCommandInteractionDataOption{{Name: "help", Type: discordgo.ApplicationCommandOptionSubCommand}}}}
	}
	run := func(b *testing.B, name string, answer func(p *Platform, i *discordgo.Interaction)) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				p, err := New(Config{Token: "t", APIURL: srv.URL, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					b.Fatal(err)
				}
				var atSmall uint64
				for n := range large {
					answer(p, interaction(n))
					if n+1 == small {
						atSmall = liveHeap()
					}
				}
				atLarge := liveHeap()
				b.ReportMetric(float64(atSmall)/(1<<20), "MiB-heap@1k")
				b.ReportMetric(float64(atLarge)/(1<<20), "MiB-heap@100k")
				runtime.KeepAlive(p)
			}
		})
	}
	run(b, "adapter", func(p *Platform, i *discordgo.Interaction) { p.respond(context.Background(), h, i) })
	run(b, "discordgo-InteractionRespond", func(p *Platform, i *discordgo.Interaction) {
		err := p.s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: "ok", Flags: discordgo.MessageFlagsEphemeral}})
		if err != nil {
			b.Fatal(err)
		}
	})
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
