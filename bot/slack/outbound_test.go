package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
)

func TestPostReplyUpdateDelete(t *testing.T) {
	h := start(t)
	card := &bot.Card{Title: "Question from @bob", Quote: "Are you open <!here>?", Body: "Yes, 9-18h.",
		Buttons: []bot.Button{{Label: "Approve", ID: "card/approve/1", Style: bot.StylePrimary}}}
	posted := h.mustDo(bot.Action{Kind: bot.ActPost, Channel: slackCh("C0TEAM"), Card: card})
	msgs := h.srv.BotMessages("C0TEAM")
	if len(msgs) != 1 || msgs[0].TS != posted.ID || msgs[0].Text != "Question from @bob" {
		t.Fatalf("posted %+v, ref %+v", msgs, posted)
	}
	if strings.Contains(string(msgs[0].Blocks), "<!here>") {
		t.Errorf("the quoted community text can ping the channel: %s", msgs[0].Blocks)
	}
	if link := h.p.Link(posted); link != "https://fake.slack.com/archives/C0TEAM/p"+strings.ReplaceAll(posted.ID, ".", "") {
		t.Errorf("link = %q", link)
	}

	// A reply goes to the thread of the target.
	root := h.srv.PostUserMessage("C0GEN", bob, "Are you open?", "")
	reply := h.mustDo(bot.Action{Kind: bot.ActReply, Target: bot.MessageRef{Channel: slackCh("C0GEN"), ID: root}, Text: "Yes, 9-18h & weekends <@U0BOB>"})
	if reply.ThreadID != root || reply.Channel != slackCh("C0GEN") {
		t.Errorf("reply ref = %+v", reply)
	}
	gen := h.srv.BotMessages("C0GEN")
	if len(gen) != 1 || gen[0].ThreadTS != root || gen[0].Shown() != "Yes, 9-18h & weekends <@U0BOB>" {
		t.Errorf("reply = %+v", gen)
	}
	if want := "?thread_ts=" + root + "&cid=C0GEN"; !strings.HasSuffix(h.p.Link(reply), want) {
		t.Errorf("reply link %q lacks %q", h.p.Link(reply), want)
	}
	// A reply to a reply stays in the same thread.
	h.mustDo(bot.Action{Kind: bot.ActReply, Target: reply, Text: "again"})
	if gen := h.srv.BotMessages("C0GEN"); gen[1].ThreadTS != root {
		t.Errorf("reply to a reply went to thread %q", gen[1].ThreadTS)
	}

	// Update the card to its final state, then to plain text.
	card.Footer, card.Buttons = "Sent by @alice at 10:42", nil
	if ref := h.mustDo(bot.Action{Kind: bot.ActUpdate, Target: posted, Card: card}); ref != posted {
		t.Errorf("update ref = %+v", ref)
	}
	m := h.srv.BotMessages("C0TEAM")[0]
	if !m.Edited || !strings.Contains(string(m.Blocks), "Sent by @alice at 10:42") || strings.Contains(string(m.Blocks), "card/approve/1") {
		t.Errorf("updated card = %s", m.Blocks)
	}
	h.mustDo(bot.Action{Kind: bot.ActUpdate, Target: posted, Text: "closed"})
	if m := h.srv.BotMessages("C0TEAM")[0]; m.Text != "closed" || m.Blocks != nil {
		t.Errorf("update to text left %q %s", m.Text, m.Blocks)
	}

	h.mustDo(bot.Action{Kind: bot.ActDelete, Target: posted})
	if msgs := h.srv.BotMessages("C0TEAM"); len(msgs) != 0 {
		t.Errorf("not deleted: %+v", msgs)
	}
	// Slack does not let a bot delete a member's message: a definite failure.
	_, err := h.do(bot.Action{Kind: bot.ActDelete, Target: bot.MessageRef{Channel: slackCh("C0GEN"), ID: root}})
	if err == nil || isUnknown(err) || !strings.Contains(err.Error(), "cant_delete_message") {
		t.Errorf("deleting a member's message: %v", err)
	}
}

func TestDMEphemeralKickUploadAndUnsupported(t *testing.T) {
	h := start(t)
	dm := h.mustDo(bot.Action{Kind: bot.ActDM, User: bot.UserRef{Platform: bot.Slack, ID: bob}, Text: "Please keep it civil."})
	if dm.Channel.ID != "D"+bob || len(h.srv.BotMessages("D"+bob)) != 1 {
		t.Errorf("DM ref %+v, messages %+v", dm, h.srv.BotMessages("D"+bob))
	}

	h.mustDo(bot.Action{Kind: bot.ActEphemeral, Channel: slackCh("C0GEN"), User: bot.UserRef{Platform: bot.Slack, ID: bob}, Text: "Only you see this"})
	if e := h.srv.Ephemerals(); len(e) != 1 || e[0].User != bob || e[0].Channel != "C0GEN" || e[0].Via != "chat.postEphemeral" {
		t.Errorf("ephemerals = %+v", e)
	}

	h.mustDo(bot.Action{Kind: bot.ActKick, Channel: slackCh("C0GEN"), User: bot.UserRef{Platform: bot.Slack, ID: bob}})
	if c := h.srv.CallsTo("conversations.kick"); len(c) != 1 || c[0].Params.Get("user") != bob || c[0].Params.Get("channel") != "C0GEN" {
		t.Errorf("kick calls = %+v", c)
	}

	png := []byte("\x89PNG\r\n\x1a\nfake chart")
	h.mustDo(bot.Action{Kind: bot.ActUpload, Channel: slackCh("C0TEAM"), File: png, FileName: "digest.png", Text: "Daily digest"})
	up := h.srv.Uploads()
	if len(up) != 1 || !bytes.Equal(up[0].Data, png) || up[0].Name != "digest.png" || up[0].Channel != "C0TEAM" || up[0].Comment != "Daily digest" {
		t.Errorf("uploads = %+v", up)
	}

	for _, kind := range []bot.ActionKind{bot.ActTimeout, bot.ActBan} {
		_, err := h.do(bot.Action{Kind: kind, Channel: slackCh("C0GEN"), User: bot.UserRef{Platform: bot.Slack, ID: bob}, Duration: time.Minute})
		if bot.ErrorCodeOf(err) != bot.CodeUnavailable {
			t.Errorf("%s: %v, want CodeUnavailable", kind, err)
		}
	}
}

func TestRateLimitIsWaitedOut(t *testing.T) {
	h := start(t)
	h.srv.Inject429("chat.postMessage", time.Second)
	ref := h.mustDo(bot.Action{Kind: bot.ActPost, Channel: slackCh("C0GEN"), Text: "after the limit"})
	calls := h.srv.CallsTo("chat.postMessage")
	if len(calls) != 2 || calls[0].Status != 429 || calls[1].Status != 200 {
		t.Fatalf("calls = %+v", calls)
	}
	if gap := calls[1].Time.Sub(calls[0].Time); gap < time.Second {
		t.Errorf("retried after %v, before Retry-After (1s)", gap)
	}
	if msgs := h.srv.BotMessages("C0GEN"); len(msgs) != 1 || msgs[0].TS != ref.ID {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestOutcomeOfFailures(t *testing.T) {
	h := start(t)
	post := bot.Action{Kind: bot.ActPost, Channel: slackCh("C0GEN"), Text: "hello"}

	h.srv.InjectHangup("chat.postMessage")
	_, err := h.do(post)
	if !isUnknown(err) {
		t.Errorf("connection lost after sending: %v, want ErrUnknownOutcome", err)
	}

	h.srv.InjectError("chat.postMessage", "not_in_channel")
	_, err = h.do(post)
	if err == nil || isUnknown(err) || !strings.Contains(err.Error(), "not_in_channel") {
		t.Errorf("ok:false: %v, want a definite error", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.p.Do(ctx, post); err == nil || isUnknown(err) {
		t.Errorf("cancelled before sending: %v, want a definite error", err)
	}

	// Slack says these may have partly happened: a post is not refused.
	for i, code := range []string{"fatal_error", "internal_error", "request_timeout", "service_unavailable"} {
		h.srv.InjectError("chat.postMessage", code)
		// One channel each, so the posts are not paced behind each other.
		_, err := h.do(bot.Action{Kind: bot.ActPost, Channel: slackCh(fmt.Sprintf("C0ERR%d", i)), Text: "hello"})
		if !isUnknown(err) || !strings.Contains(err.Error(), code) {
			t.Errorf("ok:false %s: %v, want ErrUnknownOutcome", code, err)
		}
	}
	// A call that changes nothing visible is refused all the same.
	h.srv.InjectError("conversations.open", "internal_error")
	_, err = h.do(bot.Action{Kind: bot.ActDM, User: bot.UserRef{Platform: bot.Slack, ID: bob}, Text: "hi"})
	if err == nil || isUnknown(err) || !strings.Contains(err.Error(), "internal_error") {
		t.Errorf("conversations.open internal_error: %v, want a definite error", err)
	}
}

func TestSecretURLsStayOutOfLogsAndErrors(t *testing.T) {
	h := start(t)
	// Whoever has a response_url can answer as the app: a failed answer is
	// logged without it.
	h.srv.InjectHangup("response_url")
	cmd := h.srv.Command("C0TEAM", alice, "help")
	line := h.logs.wait(t, "msg=reply")
	if strings.Contains(line, cmd.ResponseURL) || strings.Contains(line, "/response/") || !strings.Contains(line, "response_url") {
		t.Errorf("the failed answer is logged as %s", line)
	}

	// Likewise the signed upload URL, in the error a skill logs.
	h.srv.InjectHangup("upload")
	_, err := h.do(bot.Action{Kind: bot.ActUpload, Channel: slackCh("C0TEAM"), File: []byte("\x89PNG\r\n\x1a\nchart"), Text: "Daily digest"})
	if err == nil || strings.Contains(err.Error(), "/upload/") || !strings.Contains(err.Error(), "upload_url") {
		t.Errorf("failed upload: %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	const secret = "https://hooks.slack.com/actions/T0/1/s3cr3t"
	cause := errors.New("EOF")
	tests := []struct {
		name string
		err  error
	}{
		{"net/http", fmt.Errorf("failed to post webhook: %w", &url.Error{Op: "Post", URL: secret, Err: cause})},
		{"quoted", fmt.Errorf("refusing to send the token to %q: %w", secret, cause)},
	}
	for _, tt := range tests {
		got := redactURL(tt.err, secret, "response_url")
		if strings.Contains(got.Error(), "s3cr3t") || !strings.Contains(got.Error(), "response_url") || !errors.Is(got, cause) {
			t.Errorf("%s: %q (cause kept: %v)", tt.name, got, errors.Is(got, cause))
		}
	}
	if redactURL(nil, secret, "response_url") != nil {
		t.Error("redactURL(nil) != nil")
	}
}

func TestDraftRepliesPingNoGroup(t *testing.T) {
	h := start(t)
	root := h.srv.PostUserMessage("C0GEN", bob, "Who can help?", "")
	draft := "Ask <!subteam^S0MODS|@mods>, <!channel>, <!here> or <!everyone>; <@U0BOB> knows & <#C0TEAM|team> too."
	h.mustDo(bot.Action{Kind: bot.ActReply, Target: bot.MessageRef{Channel: slackCh("C0GEN"), ID: root}, Text: draft})
	m := h.srv.BotMessages("C0GEN")[0]
	for _, ping := range []string{"<!subteam^", "<!channel>", "<!here>", "<!everyone>"} {
		if strings.Contains(m.Text, ping) {
			t.Errorf("the reply pings %s: %s", ping, m.Text)
		}
	}
	if !strings.Contains(m.Text, "<@U0BOB>") || !strings.Contains(m.Text, "<#C0TEAM|team>") {
		t.Errorf("the reply lost its user or channel reference: %s", m.Text)
	}
	if m.Shown() != draft {
		t.Errorf("the reply reads %q, want the draft as written", m.Shown())
	}

	// The bot's own words still name the group.
	h.mustDo(bot.Action{Kind: bot.ActPost, Channel: slackCh("C0TEAM"), Text: "New item for <!subteam^S0MODS|@mods>"})
	if m := h.srv.BotMessages("C0TEAM")[0]; m.Text != "New item for <!subteam^S0MODS|@mods>" {
		t.Errorf("the bot's post = %q", m.Text)
	}
}

func TestPostsArePacedPerChannel(t *testing.T) {
	h := start(t)
	h.p.pacer = newPacer(300 * time.Millisecond)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			h.mustDo(bot.Action{Kind: bot.ActPost, Channel: slackCh("C0BUSY"), Text: "burst " + string(rune('a'+i))})
		})
	}
	h.srv.WaitCalls("chat.postMessage", 1)
	h.mustDo(bot.Action{Kind: bot.ActPost, Channel: slackCh("C0QUIET"), Text: "not held up"})
	wg.Wait()

	var busy []time.Time
	quietBefore := 0
	for _, c := range h.srv.CallsTo("chat.postMessage") {
		switch c.Params.Get("channel") {
		case "C0BUSY":
			busy = append(busy, c.Time)
		case "C0QUIET":
			quietBefore = len(busy)
		}
	}
	if len(busy) != 3 {
		t.Fatalf("%d posts to the busy channel", len(busy))
	}
	if quietBefore > 1 {
		t.Errorf("the quiet channel waited behind %d busy posts", quietBefore)
	}
	for i := 1; i < len(busy); i++ {
		if gap := busy[i].Sub(busy[i-1]); gap < 250*time.Millisecond {
			t.Errorf("posts %d and %d to one channel %v apart, want the pacing interval", i-1, i, gap)
		}
	}
	if len(h.srv.BotMessages("C0BUSY")) != 3 {
		t.Errorf("busy channel has %d messages", len(h.srv.BotMessages("C0BUSY")))
	}
}
