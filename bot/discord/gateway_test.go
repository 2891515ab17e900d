package discord_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/discord"
	"github.com/commpilot/commpilot/bot/discord/discordtest"
)

func TestIdentifyCarriesIntents(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, nil)
	d, err := e.srv.WaitIdentify(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	var id struct {
		Token   string `json:"token"`
		Intents int    `json:"intents"`
	}
	if err := json.Unmarshal(d, &id); err != nil {
		t.Fatal(err)
	}
	// guilds 1<<0, guild messages 1<<9, direct messages 1<<12, message
	// content 1<<15; not the privileged guild members 1<<1 (no feature
	// needs it) nor guild moderation 1<<2.
	const want = 1<<0 | 1<<9 | 1<<12 | 1<<15
	if id.Intents != want {
		t.Errorf("IDENTIFY intents = %b, want %b", id.Intents, want)
	}
	if id.Token != "Bot "+discordtest.Token {
		t.Errorf("IDENTIFY token is not the bot token")
	}
	if got := e.p.Status(); got != bot.StateConnected {
		t.Errorf("Status() = %s, want connected", got)
	}
}

func TestRejectedTokenIsFatalAndNotPrinted(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	const bad = "not-the-token-1234"
	p, err := discord.New(discord.Config{Token: bad, APIURL: srv.URL(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Run(testCtx(t), bot.HandlerFunc(func(context.Context, bot.Event) (*bot.Reply, error) { return nil, nil }))
	if err == nil {
		t.Fatal("Run with a rejected token returned nil")
	}
	if !strings.Contains(err.Error(), "DISCORD_TOKEN was rejected") || strings.Contains(err.Error(), bad) {
		t.Errorf("Run error = %q; want it to say the DISCORD_TOKEN was rejected without printing it", err)
	}
	if p.Status() != bot.StateDisconnected {
		t.Errorf("Status() = %s after a rejected token", p.Status())
	}
}

func TestMessageCreateBecomesEvent(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, nil)
	parent := e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Alice, "first")
	id := e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "hey <@"+discordtest.BotID+"> where is my order?", discordtest.ReplyingTo(parent))
	ev := e.seen.wait(t, 1, byID("m:"+id))[0]
	if ev.Kind != bot.EventMessage || ev.Text != "hey <@"+discordtest.BotID+"> where is my order?" {
		t.Errorf("event = %+v", ev)
	}
	if ev.Message != (bot.MessageRef{Channel: channel(discordtest.ChannelID), ID: id}) {
		t.Errorf("Message = %+v", ev.Message)
	}
	if ev.ReplyTo != (bot.MessageRef{Channel: channel(discordtest.ChannelID), ID: parent}) {
		t.Errorf("ReplyTo = %+v, want the referenced message %s", ev.ReplyTo, parent)
	}
	if ev.User.ID != discordtest.Bob.ID || ev.User.Name != "Bob" || len(ev.User.Roles) != 1 || ev.User.Roles[0] != discordtest.RoleMember || ev.User.Bot {
		t.Errorf("User = %+v", ev.User)
	}
	if !ev.Mentioned || ev.DM {
		t.Errorf("Mentioned = %v, DM = %v; want mentioned, not DM", ev.Mentioned, ev.DM)
	}
	if ev.Time.IsZero() {
		t.Error("Time is zero")
	}

	// A thread message names its thread; a DM is marked as such.
	th := e.srv.PostUserMessage(discordtest.ThreadID, discordtest.Bob, "in a thread")
	if ev := e.seen.wait(t, 1, byID("m:"+th))[0]; ev.Message.ThreadID != discordtest.ThreadID || ev.Mentioned ||
		ev.Within != (bot.ChannelRef{Platform: bot.Discord, ID: discordtest.ChannelID}) {
		t.Errorf("thread message = %+v", ev.Message)
	}
	dm := e.srv.PostUserMessage(e.srv.DMChannel(discordtest.Bob.ID), discordtest.Bob, "psst")
	if ev := e.seen.wait(t, 1, byID("m:"+dm))[0]; !ev.DM || len(ev.User.Roles) != 0 {
		t.Errorf("DM event = %+v", ev)
	}

	// Edits arrive as their own event.
	e.srv.EditUserMessage(discordtest.ChannelID, id, discordtest.Bob, "edited text")
	edits := e.seen.wait(t, 1, func(ev bot.Event) bool { return ev.Edited })
	if edits[0].Message.ID != id || edits[0].Text != "edited text" || !strings.HasPrefix(edits[0].ID, "u:"+id+":") {
		t.Errorf("edit event = %+v", edits[0])
	}
}

func TestOwnAndBotMessagesAreIgnored(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, nil)
	e.srv.PostUserMessage(discordtest.ChannelID, discordtest.User{ID: discordtest.BotID, Username: "commpilot", Bot: true}, "my own post")
	e.srv.PostUserMessage(discordtest.ChannelID, discordtest.OtherBot, "beep")
	last := e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "human")
	e.calls.wait(t, 1, byID("m:"+last))
	// Gateway events are handed over in order, so the two before were seen
	// (and dropped) before the third was handed to the engine.
	if n := len(e.calls.All()); n != 1 {
		t.Errorf("the engine got %d events, want only the human's: %+v", n, e.calls.All())
	}
}

// A dropped connection, a RECONNECT and a resumable INVALID_SESSION all
// come back without losing events; an event Discord redelivers around a
// resume reaches the skills once.
func TestReconnectResumesWithoutDuplicates(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, nil)
	ctx := testCtx(t)
	before := e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "before the drop")
	e.calls.wait(t, 1, byID("m:"+before))

	e.srv.RedeliverOnNextResume()
	e.srv.DropConnection()
	missed := e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "while disconnected")
	if err := e.srv.WaitResumes(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// The redelivered event reached the adapter twice …
	e.calls.wait(t, 2, byID("m:"+before))
	e.calls.wait(t, 1, byID("m:"+missed))
	// … and the skills once.
	if n := e.seen.Count(byID("m:" + before)); n != 1 {
		t.Errorf("the message before the drop was handled %d times, want 1", n)
	}
	if n := e.seen.Count(byID("m:" + missed)); n != 1 {
		t.Errorf("the message sent while disconnected was handled %d times, want 1", n)
	}

	e.srv.SendReconnect()
	if err := e.srv.WaitResumes(ctx, 2); err != nil {
		t.Fatal(err)
	}
	after := e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "after RECONNECT")
	e.seen.wait(t, 1, byID("m:"+after))

	e.srv.SendInvalidSession(false)
	if err := e.srv.WaitIdentifies(ctx, 2); err != nil {
		t.Fatal(err)
	}
	last := e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "after a new session")
	e.seen.wait(t, 1, byID("m:"+last))
	if e.p.Status() != bot.StateConnected {
		t.Errorf("Status() = %s, want connected", e.p.Status())
	}
}

func TestLink(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, nil)
	// Gateway events are processed in order: once this message is seen,
	// so is the GUILD_CREATE that listed the guild's channels.
	e.seen.wait(t, 1, byID("m:"+e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "hi")))
	ref := bot.MessageRef{Channel: channel(discordtest.ChannelID), ID: "1310000000000000001"}
	want := e.srv.URL() + "/channels/" + discordtest.GuildID + "/" + discordtest.ChannelID + "/1310000000000000001"
	if got := e.p.Link(ref); got != want {
		t.Errorf("Link = %q, want %q", got, want)
	}
	dm := bot.MessageRef{Channel: channel("830000000000000009"), ID: "1310000000000000002"}
	if got := e.p.Link(dm); !strings.Contains(got, "/channels/@me/830000000000000009/1310000000000000002") {
		t.Errorf("DM link = %q", got)
	}
	// Before the state knows the channel, the configured guild is used.
	p, _ := discord.New(discord.Config{Token: "x", GuildID: discordtest.GuildID})
	if got, want := p.Link(ref), "https://discord.com/channels/"+discordtest.GuildID+"/"+discordtest.ChannelID+"/1310000000000000001"; got != want {
		t.Errorf("link before connecting = %q, want %q", got, want)
	}
}

// Messages read from the gateway before Run's context ended are handled
// before Run returns, even those still queued behind busy workers.
func TestQueuedMessagesAreHandledAtShutdown(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	e := start(t, discord.Config{}, func(r *bot.Router, _ *recorder) {
		r.Message("block", bot.HandlerFunc(func(_ context.Context, ev bot.Event) (*bot.Reply, error) {
			if ev.Text == "busy" {
				<-release
			}
			return nil, nil
		}))
		r.Command(bot.Command{Route: "help", Description: "Help", Handler: reply("help")})
	})
	ctx := testCtx(t)
	isText := func(text string) func(bot.Event) bool { return func(ev bot.Event) bool { return ev.Text == text } }
	const workers, queued = 32, 200 // every worker busy, then a queue
	for range workers {
		e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "busy")
	}
	e.seen.wait(t, workers, isText("busy"))
	for range queued {
		e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "queued")
	}
	// Gateway events are read in order: once this command is answered, the
	// messages before it are in the queue.
	if _, _, err := e.srv.Command(ctx, discordtest.Bob, discordtest.ChannelID, "help"); err != nil {
		t.Fatal(err)
	}
	if n := e.seen.Count(isText("queued")); n != 0 {
		t.Fatalf("%d queued messages were handled while every worker was busy", n)
	}
	e.stop()
	close(release)
	if err := e.wait(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if n := e.seen.Count(isText("queued")); n != queued {
		t.Errorf("%d of the %d queued messages were handled before Run returned", n, queued)
	}
}

// Close codes Discord sends for a session it will never accept end Run with
// an error that says what to fix, instead of reconnecting forever.
func TestRefusedSessionIsFatal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code   int
		reason string
		want   string
	}{
		{4014, "Disallowed intent(s).", "enable Message Content Intent in the Developer Portal"},
		{4013, "Invalid intent(s).", "invalid intents"},
		{4011, "Sharding required.", "sharding required"},
		{4004, "Authentication failed.", "DISCORD_TOKEN was rejected"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			t.Parallel()
			srv := discordtest.New(t)
			srv.RefuseIdentify(tt.code, tt.reason)
			p, err := discord.New(discord.Config{Token: discordtest.Token, APIURL: srv.URL(), Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			err = p.Run(testCtx(t), bot.HandlerFunc(func(context.Context, bot.Event) (*bot.Reply, error) { return nil, nil }))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run after close %d = %v, want an error saying %q", tt.code, err, tt.want)
			}
			if conns, _, _ := srv.Stats(); conns != 1 {
				t.Errorf("%d gateway connections, want 1 (no retry)", conns)
			}
		})
	}
}

// What a zombie connection costs: discordgo gives up on a connection whose
// heartbeats go unanswered by closing it with code 1000, which ends the
// session, so the reconnect cannot RESUME and the bot IDENTIFYs again
// (events sent in between are not replayed). It keeps working afterwards.
func TestMissedHeartbeatACKsStartANewSession(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, nil)
	ctx := testCtx(t)
	e.srv.SetHeartbeatInterval(50 * time.Millisecond)
	e.srv.DropConnection() // the next connection uses the short interval
	if err := e.srv.WaitResumes(ctx, 1); err != nil {
		t.Fatal(err)
	}
	e.srv.WithholdHeartbeatACKs()
	if err := e.srv.WaitIdentifies(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if _, _, resumes := e.srv.Stats(); resumes != 1 {
		t.Errorf("%d resumes, want only the one before the zombie connection", resumes)
	}
	after := e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "after the new session")
	e.seen.wait(t, 1, byID("m:"+after))
}

// Edits, deletions and bulk deletions arrive as events, each with an id of
// its own (a second edit of the same message is not a redelivery), and a
// message carries its attachments, mention counts and the author's account
// and join times.
func TestEditsAndDeletionsBecomeEvents(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, nil)
	text := "<@" + discordtest.Alice.ID + "> <@&" + discordtest.RoleStaff + "> @everyone look"
	id := e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, text,
		discordtest.WithAttachment("receipt.png", "image/png", 48213))
	ev := e.seen.wait(t, 1, byID("m:"+id))[0]
	if len(ev.Attachments) != 1 || ev.Attachments[0] != (bot.Attachment{Name: "receipt.png", Type: "image/png", Size: 48213}) {
		t.Errorf("Attachments = %+v", ev.Attachments)
	}
	if ev.Mentions != (bot.MentionCount{Users: 1, Roles: 1, Everyone: true}) {
		t.Errorf("Mentions = %+v, want a user, a role and everyone", ev.Mentions)
	}
	created, _ := discordgo.SnowflakeTimestamp(discordtest.Bob.ID)
	if !ev.AuthorCreated.Equal(created) || !ev.AuthorJoined.Equal(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("AuthorCreated, AuthorJoined = %v, %v; want %v and the member's joined_at", ev.AuthorCreated, ev.AuthorJoined, created)
	}

	e.srv.EditUserMessage(discordtest.ChannelID, id, discordtest.Bob, "first edit")
	e.seen.wait(t, 1, func(ev bot.Event) bool { return ev.Edited && ev.Text == "first edit" })
	e.srv.EditUserMessage(discordtest.ChannelID, id, discordtest.Bob, "second edit, no pings")
	edits := e.seen.wait(t, 2, func(ev bot.Event) bool { return ev.Edited && ev.Message.ID == id })
	if last := edits[1]; last.Text != "second edit, no pings" || last.ID == edits[0].ID || last.Mentions != (bot.MentionCount{}) ||
		len(last.Attachments) != 1 {
		t.Errorf("second edit = %+v, want its own id, the new text, no mentions, the attachment kept", last)
	}

	e.srv.DeleteUserMessage(discordtest.ChannelID, id)
	del := e.seen.wait(t, 1, byID("d:"+id))[0]
	if !del.Deleted || del.Message != (bot.MessageRef{Channel: channel(discordtest.ChannelID), ID: id}) || del.Text != "" || del.DM {
		t.Errorf("deletion event = %+v", del)
	}

	a := e.srv.PostUserMessage(discordtest.ThreadID, discordtest.Bob, "spam 1")
	b := e.srv.PostUserMessage(discordtest.ThreadID, discordtest.Bob, "spam 2")
	e.srv.BulkDeleteUserMessages(discordtest.ThreadID, a, b)
	for _, id := range []string{a, b} {
		ev := e.seen.wait(t, 1, byID("d:"+id))[0]
		if !ev.Deleted || ev.Message.ThreadID != discordtest.ThreadID || ev.Within != channel(discordtest.ChannelID) {
			t.Errorf("bulk deletion event = %+v, want the thread and its channel", ev)
		}
	}
}

// A bot deleting messages through REST gets the gateway's deletion events,
// as on Discord; messages of another server are not ours.
func TestRESTDeletionsAndOtherServers(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{GuildID: discordtest.GuildID}, nil)
	ctx := testCtx(t)
	id := e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "rule-breaking")
	e.seen.wait(t, 1, byID("m:"+id))
	ref := bot.MessageRef{Channel: channel(discordtest.ChannelID), ID: id}
	if _, err := e.p.Do(ctx, bot.Action{Kind: bot.ActDelete, Target: ref}); err != nil {
		t.Fatal(err)
	}
	e.seen.wait(t, 1, byID("d:"+id))
	other := e.srv.PostUserMessage(discordtest.OtherChannelID, discordtest.Bob, "elsewhere")
	e.srv.DeleteUserMessage(discordtest.OtherChannelID, other)
	last := e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "after")
	e.calls.wait(t, 1, byID("m:"+last))
	if n := e.calls.Count(func(ev bot.Event) bool { return ev.Message.ID == other }); n != 0 {
		t.Errorf("%d events of another server's message reached the engine", n)
	}
}

// Messages posted while the gateway reconnects after a zombie connection
// (discordgo closes it with 1000, so the bot identifies anew and Discord
// replays nothing) are fetched from the watched channels and their threads
// once the new session starts, and each reaches the skills once: one that
// arrives both live and in the fetch is handled once, one seen before the
// drop is not fetched again, and unwatched channels are not read.
func TestMessagesPostedDuringANewSessionAreBackfilled(t *testing.T) {
	t.Parallel()
	watched := func(context.Context) ([]bot.ChannelRef, error) {
		return []bot.ChannelRef{channel(discordtest.ChannelID), {Platform: bot.Slack, ID: "C0TEAM"}}, nil
	}
	e := start(t, discord.Config{Watched: watched}, nil)
	ctx := testCtx(t)
	e.srv.SetHeartbeatInterval(50 * time.Millisecond)
	e.srv.DropConnection() // the next connection uses the short interval
	if err := e.srv.WaitResumes(ctx, 1); err != nil {
		t.Fatal(err)
	}
	before := e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "before the drop")
	e.calls.wait(t, 1, byID("m:"+before))

	gateway := e.srv.HoldGateway()
	e.srv.WithholdHeartbeatACKs()
	if err := gateway.WaitArrived(ctx, 1); err != nil { // the bot gave up and is reconnecting
		t.Fatal(err)
	}
	gap := []string{
		e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "my parcel never came"),
		e.srv.PostUserMessage(discordtest.ThreadID, discordtest.Alice, "looking into it"),
		e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "hello? anyone?"),
	}
	for i := range 120 { // more than one page of Discord's 100
		gap = append(gap, e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "flood "+strconv.Itoa(i)))
	}
	unwatched := e.srv.PostUserMessage(discordtest.TeamChannelID, discordtest.Alice, "team chat")
	fetch := e.srv.Hold("GET", "/channels/"+discordtest.ChannelID+"/messages")
	gateway.Release()
	if err := e.srv.WaitIdentifies(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := fetch.WaitArrived(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// Posted once the session is up: delivered live and listed by the fetch.
	both := e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "still waiting")
	e.calls.wait(t, 1, byID("m:"+both))
	fetch.Release()

	e.calls.wait(t, 2, byID("m:"+both))
	for _, id := range gap {
		e.seen.wait(t, 1, byID("m:"+id))
	}
	for _, id := range append(gap, both, before) {
		if n := e.seen.Count(byID("m:" + id)); n != 1 {
			t.Errorf("message %s was handled %d times, want once", id, n)
		}
	}
	if n := e.calls.Count(byID("m:" + before)); n != 1 {
		t.Errorf("the message seen before the drop reached the engine %d times, want once (fetched after it)", n)
	}
	if n := e.calls.Count(byID("m:" + unwatched)); n != 0 {
		t.Errorf("a message of an unwatched channel was fetched")
	}
	if r := e.srv.RequestsTo("GET", "/channels/"+discordtest.TeamChannelID+"/messages"); len(r) != 0 {
		t.Errorf("the unwatched channel was read: %+v", r)
	}
	// The fetched message is the member's as the gateway gives it: its
	// server, author, roles and thread.
	ev := e.seen.wait(t, 1, byID("m:"+gap[1]))[0]
	if ev.DM || ev.User.ID != discordtest.Alice.ID || !slices.Equal(ev.User.Roles, discordtest.Alice.Roles) ||
		ev.Message.ThreadID != discordtest.ThreadID || ev.Within != channel(discordtest.ChannelID) || ev.AuthorJoined.IsZero() {
		t.Errorf("fetched thread message = %+v", ev)
	}
	reqs := e.srv.RequestsTo("GET", "/channels/"+discordtest.ChannelID+"/messages")
	if q := reqs[0].Query; !strings.Contains(q, "after="+before) || !strings.Contains(q, "limit=100") {
		t.Errorf("fetch query %q, want the messages after the last one seen, 100 at a time", q)
	}
}
