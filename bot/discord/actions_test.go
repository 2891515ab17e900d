package discord_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/bot/discord"
	"github.com/commpilot/commpilot/bot/discord/discordtest"
)

func TestCardRenderingGolden(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, nil)
	quote := "Ma commande #1234 n'est toujours pas arrivée.\nC'est la deuxième fois !"
	cards := map[string]*bot.Card{
		"inbox_card": {
			Title: "Complaint from @bob in #general", URL: "https://discord.com/channels/1/2/3",
			Context: "#general · @bob · 10:42", Quote: quote,
			Fields: []bot.Field{{Name: "Kind", Value: "complaint", Inline: true}, {Name: "Sentiment", Value: "negative", Inline: true}, {Name: "Urgency", Value: "high", Inline: true}, {Name: "Flags", Value: ""}},
			Body:   "Bonjour Bob, désolé pour ce retard : votre colis part aujourd'hui.",
			Footer: "Draft v3", Tone: bot.ToneWarning,
			Buttons: []bot.Button{
				{Label: "Approve", ID: "inbox/approve/42/3", Style: bot.StylePrimary},
				{Label: "Edit", ID: "inbox/edit/42/3"},
				{Label: "Regenerate", ID: "inbox/regen/42/3"},
				{Label: "Reject", ID: "inbox/reject/42/3", Style: bot.StyleDanger, Confirm: "Reject this item?"},
				{Label: "Assign to me", ID: "inbox/assign/42"},
				{Label: "Open", URL: "https://discord.com/channels/1/2/3"},
			},
		},
		"long_card": {
			Title:   strings.Repeat("T", 300),
			Body:    strings.Repeat("body ", 1000),
			Fields:  []bot.Field{{Name: "Big", Value: strings.Repeat("v", 1500)}},
			Tone:    bot.ToneDanger,
			Buttons: []bot.Button{{Label: strings.Repeat("L", 100), ID: "x/1"}},
		},
	}
	for name, card := range cards {
		t.Run(name, func(t *testing.T) {
			before := len(e.srv.RequestsTo("POST", "/channels/"))
			ref, err := e.p.Do(testCtx(t), bot.Action{Kind: bot.ActPost, Channel: channel(discordtest.TeamChannelID), Card: card})
			if err != nil {
				t.Fatal(err)
			}
			reqs := e.srv.RequestsTo("POST", "/channels/"+discordtest.TeamChannelID+"/messages")
			if len(reqs) != before+1 {
				t.Fatalf("%d requests, want %d", len(reqs), before+1)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, reqs[len(reqs)-1].Body, "", "  "); err != nil {
				t.Fatal(err)
			}
			bottest.Golden(t, filepath.Join("testdata", name+".golden.json"), pretty.Bytes())
			if _, ok := e.srv.Message(discordtest.TeamChannelID, ref.ID); !ok {
				t.Errorf("posted message %s not found", ref.ID)
			}
		})
	}
}

func TestPostReplyUpdateDelete(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, nil)
	ctx := testCtx(t)
	orig := e.srv.PostUserMessage(discordtest.ThreadID, discordtest.Bob, "where is my order?")
	target := bot.MessageRef{Channel: channel(discordtest.ThreadID), ID: orig, ThreadID: discordtest.ThreadID}
	ref, err := e.p.Do(ctx, bot.Action{Kind: bot.ActReply, Target: target, Text: "It ships today. @everyone"})
	if err != nil {
		t.Fatal(err)
	}
	if ref.Channel != channel(discordtest.ThreadID) || ref.ThreadID != discordtest.ThreadID {
		t.Errorf("reply ref = %+v", ref)
	}
	m, ok := e.srv.Message(discordtest.ThreadID, ref.ID)
	if !ok || m.Reference == nil || m.Reference.MessageID != orig || m.Content != "It ships today. @everyone" {
		t.Fatalf("reply = %+v", m)
	}
	var sent struct {
		AllowedMentions struct {
			Parse []string `json:"parse"`
		} `json:"allowed_mentions"`
	}
	reqs := e.srv.RequestsTo("POST", "/channels/"+discordtest.ThreadID+"/messages")
	_ = json.Unmarshal(reqs[len(reqs)-1].Body, &sent)
	if strings.Join(sent.AllowedMentions.Parse, ",") != "users" {
		t.Errorf("allowed_mentions.parse = %v, want only users (never @everyone)", sent.AllowedMentions.Parse)
	}

	if _, err := e.p.Do(ctx, bot.Action{Kind: bot.ActUpdate, Target: ref, Card: &bot.Card{Title: "Sent", Footer: "Sent by @alice at 10:42"}}); err != nil {
		t.Fatal(err)
	}
	m, _ = e.srv.Message(discordtest.ThreadID, ref.ID)
	if !m.Edited || m.Content != "" || len(m.Embeds) != 1 || m.Embeds[0].Footer.Text != "Sent by @alice at 10:42" {
		t.Errorf("updated message = %+v", m)
	}
	// A long update is shortened in its middle: its end stays.
	if _, err := e.p.Do(ctx, bot.Action{Kind: bot.ActUpdate, Target: ref, Text: strings.Repeat("é", 2500) + " Sent by @alice."}); err != nil {
		t.Fatalf("update with 2,500 characters: %v", err)
	}
	m, _ = e.srv.Message(discordtest.ThreadID, ref.ID)
	if utf8.RuneCountInString(m.Content) != 2000 || !strings.HasSuffix(m.Content, "é Sent by @alice.") || !strings.Contains(m.Content, "é […] é") {
		t.Errorf("long update: %d characters, ends %q", utf8.RuneCountInString(m.Content), m.Content[len(m.Content)-20:])
	}

	if _, err := e.p.Do(ctx, bot.Action{Kind: bot.ActDelete, Target: bot.MessageRef{Channel: channel(discordtest.ThreadID), ID: orig}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.srv.Message(discordtest.ThreadID, orig); ok {
		t.Error("deleted message still there")
	}
	if n := len(e.srv.RequestsTo("DELETE", "/channels/"+discordtest.ThreadID+"/messages/"+orig)); n != 1 {
		t.Errorf("%d DELETE requests for the message", n)
	}
	// Deleting it again is not an error: it is gone either way.
	if _, err := e.p.Do(ctx, bot.Action{Kind: bot.ActDelete, Target: bot.MessageRef{Channel: channel(discordtest.ThreadID), ID: orig}}); err != nil {
		t.Errorf("second delete: %v", err)
	}
	// A reply to a message that does not exist is a definite failure.
	_, err = e.p.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: channel("819999999999999999"), Text: "x"})
	if err == nil || isUnknown(err) {
		t.Errorf("post to an unknown channel: %v, want a definite error", err)
	}
}

func TestLongPostIsSplit(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, nil)
	var b strings.Builder
	for b.Len() < 3000 {
		b.WriteString("Ligne de texte numéro quelque chose, assez longue pour compter.\n")
	}
	text := b.String()
	ref, err := e.p.Do(testCtx(t), bot.Action{Kind: bot.ActPost, Channel: channel(discordtest.ChannelID), Text: text})
	if err != nil {
		t.Fatal(err)
	}
	msgs := e.srv.Messages(discordtest.ChannelID)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	if msgs[0].ID != ref.ID {
		t.Errorf("returned %s, want the first message %s", ref.ID, msgs[0].ID)
	}
	if msgs[0].Content+msgs[1].Content != text {
		t.Error("the two parts do not make the original text")
	}
	if !strings.HasSuffix(msgs[0].Content, "\n") {
		t.Error("the split is not at a line end")
	}
}

func TestModerationActionsHitTheRightRoutes(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, nil)
	ctx := testCtx(t)
	bob := bot.UserRef{Platform: bot.Discord, ID: discordtest.Bob.ID}
	ch := channel(discordtest.ChannelID)

	start := time.Now()
	if _, err := e.p.Do(ctx, bot.Action{Kind: bot.ActTimeout, Channel: ch, User: bob, Duration: 10 * time.Minute, Reason: "rule no-slurs: insulte répétée"}); err != nil {
		t.Fatal(err)
	}
	until, _ := time.Parse(time.RFC3339, e.srv.Member(bob.ID)["communication_disabled_until"].(string))
	if until.Before(start.Add(10*time.Minute-time.Second)) || until.After(time.Now().Add(10*time.Minute+time.Second)) {
		t.Errorf("communication_disabled_until = %s, want 10 minutes from now", until)
	}
	if got := e.srv.Member(bob.ID)["audit_reason"]; got != "rule no-slurs: insulte répétée" {
		t.Errorf("timeout audit reason = %q", got)
	}
	// Longer than Discord allows: clamped to 28 days, accepted.
	if _, err := e.p.Do(ctx, bot.Action{Kind: bot.ActTimeout, Channel: ch, User: bob, Duration: 60 * 24 * time.Hour}); err != nil {
		t.Fatalf("60-day timeout: %v", err)
	}
	until, _ = time.Parse(time.RFC3339, e.srv.Member(bob.ID)["communication_disabled_until"].(string))
	if d := time.Until(until); d > 28*24*time.Hour || d < 28*24*time.Hour-time.Minute {
		t.Errorf("60-day timeout set %s, want 28 days", d)
	}

	if _, err := e.p.Do(ctx, bot.Action{Kind: bot.ActKick, Channel: ch, User: bob, Reason: "spam"}); err != nil {
		t.Fatal(err)
	}
	kicks := e.srv.RequestsTo("DELETE", "/guilds/"+discordtest.GuildID+"/members/"+bob.ID)
	if len(kicks) != 1 || kicks[0].Header.Get("X-Audit-Log-Reason") != "spam" {
		t.Errorf("kick requests = %+v", kicks)
	}

	if _, err := e.p.Do(ctx, bot.Action{Kind: bot.ActBan, Channel: channel(discordtest.ThreadID), User: bob, Reason: "raid & spam"}); err != nil {
		t.Fatal(err)
	}
	bans := e.srv.RequestsTo("PUT", "/guilds/"+discordtest.GuildID+"/bans/"+bob.ID)
	if len(bans) != 1 || bans[0].Query != "" {
		t.Fatalf("ban requests = %+v, want one PUT without a query string", bans)
	}
	if reason, ok := e.srv.Ban(bob.ID); !ok || reason != "raid & spam" {
		t.Errorf("ban reason = %q, %v; want it from the X-Audit-Log-Reason header", reason, ok)
	}

	// A channel the state cache does not know is looked up.
	dm := e.srv.DMChannel(bob.ID)
	_, err := e.p.Do(ctx, bot.Action{Kind: bot.ActKick, Channel: channel(dm), User: bob})
	if bot.ErrorCodeOf(err) != bot.CodeInvalid {
		t.Errorf("kick from a DM channel: %v, want an invalid-input error", err)
	}
	if n := len(e.srv.RequestsTo("GET", "/channels/"+dm)); n != 1 {
		t.Errorf("%d channel look-ups, want 1", n)
	}
}

func TestBulkDelete(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, nil)
	ctx := testCtx(t)
	var ids []string
	for i := range 103 {
		ids = append(ids, e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "spam "+string(rune('a'+i%26))))
	}
	old := e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "old spam", discordtest.At(time.Now().Add(-20*24*time.Hour)))
	ids = append(ids, old)
	keep := e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Alice, "keep me")
	if _, err := e.p.Do(ctx, bot.Action{Kind: bot.ActBulkDelete, Channel: channel(discordtest.ChannelID), IDs: ids}); err != nil {
		t.Fatal(err)
	}
	msgs := e.srv.Messages(discordtest.ChannelID)
	if len(msgs) != 1 || msgs[0].ID != keep {
		t.Errorf("left %d messages, want only %s", len(msgs), keep)
	}
	bulk := e.srv.RequestsTo("POST", "/channels/"+discordtest.ChannelID+"/messages/bulk-delete")
	var sizes []int
	for _, r := range bulk {
		var b struct {
			Messages []string `json:"messages"`
		}
		_ = json.Unmarshal(r.Body, &b)
		sizes = append(sizes, len(b.Messages))
	}
	if len(sizes) != 2 || sizes[0] != 100 || sizes[1] != 3 {
		t.Errorf("bulk-delete sizes = %v, want [100 3]", sizes)
	}
	if n := len(e.srv.RequestsTo("DELETE", "/channels/"+discordtest.ChannelID+"/messages/"+old)); n != 1 {
		t.Errorf("the 20-day-old message was deleted by %d single requests, want 1", n)
	}
}

func TestRateLimitIsWaitedOut(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, nil)
	e.srv.Inject429("POST", "/channels/", 300*time.Millisecond)
	ref, err := e.p.Do(testCtx(t), bot.Action{Kind: bot.ActPost, Channel: channel(discordtest.ChannelID), Text: "after the limit"})
	if err != nil {
		t.Fatal(err)
	}
	reqs := e.srv.RequestsTo("POST", "/channels/"+discordtest.ChannelID+"/messages")
	if len(reqs) != 2 || reqs[0].Status != 429 || reqs[1].Status != 200 {
		t.Fatalf("requests = %d, want a 429 then a success", len(reqs))
	}
	if gap := reqs[1].Time.Sub(reqs[0].Time); gap < 300*time.Millisecond {
		t.Errorf("retried after %s, before retry_after (300ms)", gap)
	}
	if m, ok := e.srv.Message(discordtest.ChannelID, ref.ID); !ok || m.Content != "after the limit" {
		t.Errorf("message = %+v", m)
	}

	// A limit longer than the caller's patience ends with the context.
	e.srv.Inject429("POST", "/channels/", time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = e.p.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: channel(discordtest.ChannelID), Text: "never"})
	if !errors.Is(err, context.DeadlineExceeded) || isUnknown(err) {
		t.Errorf("Do under a 1-hour limit = %v, want the context's deadline, not an unknown outcome", err)
	}
}

func TestDMUploadAndEphemeral(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, nil)
	ctx := testCtx(t)
	bob := bot.UserRef{Platform: bot.Discord, ID: discordtest.Bob.ID}
	ref, err := e.p.Do(ctx, bot.Action{Kind: bot.ActDM, User: bob, Text: "Warning: no invites here."})
	if err != nil {
		t.Fatal(err)
	}
	dm := e.srv.DMChannel(bob.ID)
	if m, ok := e.srv.Message(dm, ref.ID); ref.Channel.ID != dm || !ok || m.Content != "Warning: no invites here." {
		t.Errorf("DM = %+v in %s", ref, dm)
	}

	png := []byte("\x89PNG\r\n\x1a\nfake-image-bytes")
	ref, err = e.p.Do(ctx, bot.Action{Kind: bot.ActUpload, Channel: channel(discordtest.TeamChannelID), Text: "Daily digest", File: png, FileName: "digest.png"})
	if err != nil {
		t.Fatal(err)
	}
	m, ok := e.srv.Message(discordtest.TeamChannelID, ref.ID)
	if !ok || m.Content != "Daily digest" || len(m.Attachments) != 1 || m.Attachments[0].Filename != "digest.png" ||
		!bytes.Equal(m.Attachments[0].Data, png) || m.Attachments[0].ContentType != "image/png" {
		t.Errorf("upload = %+v", m)
	}

	_, err = e.p.Do(ctx, bot.Action{Kind: bot.ActEphemeral, Channel: channel(discordtest.ChannelID), User: bob, Text: "psst"})
	if bot.ErrorCodeOf(err) != bot.CodeUnavailable {
		t.Errorf("ephemeral outside an interaction: %v, want CodeUnavailable", err)
	}
}

// A request that may have reached Discord but got no answer is an unknown
// outcome; one refused with a 4xx is a definite failure.
func TestUnknownOutcome(t *testing.T) {
	t.Parallel()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client leaving
		if r.Method == http.MethodPost {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"code":50035,"message":"Invalid Form Body"}`))
	}))
	t.Cleanup(hang.Close)
	p, err := discord.New(discord.Config{Token: "t", APIURL: hang.URL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = p.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: channel(discordtest.ChannelID), Text: "hello"})
	if !isUnknown(err) {
		t.Errorf("post without an answer: %v, want ErrUnknownOutcome", err)
	}
	_, err = p.Do(testCtx(t), bot.Action{Kind: bot.ActUpdate, Target: bot.MessageRef{Channel: channel(discordtest.ChannelID), ID: "1"}, Text: "x"})
	if err == nil || isUnknown(err) {
		t.Errorf("update refused with 400: %v, want a definite error", err)
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	p, _ = discord.New(discord.Config{Token: "t", APIURL: closed.URL, Logger: slog.New(slog.DiscardHandler)})
	_, err = p.Do(testCtx(t), bot.Action{Kind: bot.ActPost, Channel: channel(discordtest.ChannelID), Text: "hello"})
	if err == nil || isUnknown(err) {
		t.Errorf("post to a closed port: %v, want a definite error (never sent)", err)
	}
}

// A post waiting behind a slow one in the same channel gives up when its
// context ends, without being sent: a definite failure the caller may retry.
func TestCallQueuedBehindSlowOneFailsDefinitely(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, nil)
	ctx := testCtx(t)
	hold := e.srv.Hold("POST", "/channels/"+discordtest.ChannelID+"/messages")
	first := make(chan error, 1)
	go func() {
		_, err := e.p.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: channel(discordtest.ChannelID), Text: "first"})
		first <- err
	}()
	if err := hold.WaitArrived(ctx, 1); err != nil {
		t.Fatal(err)
	}
	second := make(chan error, 1)
	go func() {
		short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		_, err := e.p.Do(short, bot.Action{Kind: bot.ActPost, Channel: channel(discordtest.ChannelID), Text: "second"})
		second <- err
	}()
	select {
	case err := <-second:
		if err == nil || isUnknown(err) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("queued post whose deadline passed = %v, want a definite failure naming the deadline", err)
		}
	case <-ctx.Done():
		t.Fatal("the queued post did not return while the first was still in flight")
	}
	hold.Release()
	if err := <-first; err != nil {
		t.Fatalf("first post: %v", err)
	}
	if n := len(e.srv.RequestsTo("POST", "/channels/"+discordtest.ChannelID+"/messages")); n != 1 {
		t.Errorf("Discord saw %d posts, want only the first", n)
	}
	if msgs := e.srv.Messages(discordtest.ChannelID); len(msgs) != 1 || msgs[0].Content != "first" {
		t.Errorf("channel holds %+v, want only the first post", msgs)
	}
}

// A 2xx whose body cannot be read may still have created the message; a
// 429 that is not Discord's JSON is a refusal, and is not retried.
func TestOutcomeOfUnreadableAnswers(t *testing.T) {
	t.Parallel()
	var patches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch r.Method {
		case http.MethodPost:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id": "13100000`)) // cut off
		case http.MethodPatch:
			patches.Add(1)
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte("<html>slow down</html>"))
		}
	}))
	t.Cleanup(srv.Close)
	p, err := discord.New(discord.Config{Token: "t", APIURL: srv.URL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Do(testCtx(t), bot.Action{Kind: bot.ActPost, Channel: channel(discordtest.ChannelID), Text: "hello"})
	if !isUnknown(err) {
		t.Errorf("post answered 200 with a cut-off body: %v, want ErrUnknownOutcome", err)
	}
	_, err = p.Do(testCtx(t), bot.Action{Kind: bot.ActUpdate, Target: bot.MessageRef{Channel: channel(discordtest.ChannelID), ID: "1"}, Text: "x"})
	if err == nil || isUnknown(err) {
		t.Errorf("update refused with an HTML 429: %v, want a definite error", err)
	}
	if n := patches.Load(); n != 1 {
		t.Errorf("the refused update was sent %d times, want 1", n)
	}
}

// A reply sent again after an unknown outcome (the inbox's "Send again":
// the same reply to the same message) carries the same nonce with
// enforce_nonce, so Discord returns the message the first attempt created
// instead of posting the reply twice; another reply is a message of its own.
func TestSendAgainAfterUnknownOutcomePostsOnce(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, nil)
	ctx := testCtx(t)
	orig := e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "where is my refund?")
	reply := bot.Action{Kind: bot.ActReply, Target: bot.MessageRef{Channel: channel(discordtest.ChannelID), ID: orig}, Text: "Refunded today."}

	hold := e.srv.Hold("POST", "/channels/"+discordtest.ChannelID+"/messages")
	attempt, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := e.p.Do(attempt, reply)
		done <- err
	}()
	if err := hold.WaitArrived(ctx, 1); err != nil {
		t.Fatal(err)
	}
	cancel() // the answer never comes: Discord creates the message all the same
	if err := <-done; !isUnknown(err) {
		t.Fatalf("first attempt = %v, want an unknown outcome", err)
	}
	hold.Release()
	first, err := e.srv.WaitMessages(ctx, discordtest.ChannelID, 1)
	if err != nil {
		t.Fatal(err)
	}

	ref, err := e.p.Do(ctx, reply) // Send again
	if err != nil {
		t.Fatal(err)
	}
	if msgs, _ := e.srv.WaitMessages(ctx, discordtest.ChannelID, 1); len(msgs) != 1 || ref.ID != first[0].ID {
		t.Fatalf("after Send again the channel holds %d replies (%+v), ref %s; want the first attempt's message only", len(msgs), msgs, ref.ID)
	}
	reqs := e.srv.RequestsTo("POST", "/channels/"+discordtest.ChannelID+"/messages")
	if len(reqs) != 2 {
		t.Fatalf("%d posts reached Discord, want both attempts", len(reqs))
	}
	var bodies [2]struct {
		Nonce        string `json:"nonce"`
		EnforceNonce bool   `json:"enforce_nonce"`
	}
	for i, r := range reqs {
		if err := json.Unmarshal(r.Body, &bodies[i]); err != nil {
			t.Fatal(err)
		}
	}
	if bodies[0].Nonce == "" || bodies[0] != bodies[1] || !bodies[0].EnforceNonce {
		t.Errorf("nonces %+v, want the same enforced nonce on both attempts", bodies)
	}

	if _, err := e.p.Do(ctx, bot.Action{Kind: bot.ActReply, Target: reply.Target, Text: "One more thing: it takes 3 days."}); err != nil {
		t.Fatal(err)
	}
	if msgs, _ := e.srv.WaitMessages(ctx, discordtest.ChannelID, 2); len(msgs) != 2 || msgs[1].Nonce == bodies[0].Nonce {
		t.Errorf("a different reply: %+v, want a second message with a nonce of its own", msgs)
	}
}
