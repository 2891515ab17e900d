package slacktest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// The fake refuses what real Slack refuses, so adapter tests cannot pass on
// payloads Slack would reject.
func TestWebAPIRefusesLikeSlack(t *testing.T) {
	s := New(t)
	ctx := context.Background()
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))

	if _, err := slack.New("xoxb-other", slack.OptionAPIURL(s.APIURL())).AuthTestContext(ctx); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("wrong token: %v", err)
	}
	res, err := api.AuthTestContext(ctx)
	if err != nil || res.UserID != BotUserID || res.URL != TeamURL {
		t.Fatalf("auth.test = %+v, %v", res, err)
	}

	tooLong := slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("x", 151), false, false))
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionBlocks(tooLong)); err == nil || err.Error() != "invalid_blocks" {
		t.Errorf("151-character header: %v", err)
	}
	dup := slack.NewActionBlock("", slack.NewButtonBlockElement("a", "", slack.NewTextBlockObject(slack.PlainTextType, "A", false, false)),
		slack.NewButtonBlockElement("a", "", slack.NewTextBlockObject(slack.PlainTextType, "B", false, false)))
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionBlocks(dup)); err == nil || err.Error() != "invalid_blocks" {
		t.Errorf("duplicate action_id: %v", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false), slack.MsgOptionTS("1.1")); err == nil || err.Error() != "thread_not_found" {
		t.Errorf("unknown thread: %v", err)
	}
	if _, err := api.OpenViewContext(ctx, "trigger-nope", slack.ModalViewRequest{Type: slack.VTModal,
		Title: slack.NewTextBlockObject(slack.PlainTextType, "T", false, false)}); err == nil || err.Error() != "expired_trigger_id" {
		t.Errorf("unknown trigger: %v", err)
	}
	_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hello", false))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.BotMessages("C1"); len(got) != 1 || got[0].TS != ts {
		t.Errorf("messages = %+v", got)
	}

	s.Inject429("chat.postMessage", time.Second)
	_, _, err = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false))
	if rl, ok := err.(*slack.RateLimitedError); !ok || rl.RetryAfter != time.Second {
		t.Errorf("injected 429: %v", err)
	}
}
