package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/commpilot/commpilot/bot"
)

// maxRateLimitWaits is how many 429 answers one call waits out before it
// gives up.
const maxRateLimitWaits = 5

// answerTimeout bounds the delivery of one answer to the person who caused
// an event (a modal, a response_url post, an ephemeral).
const answerTimeout = 10 * time.Second

// Messages are the adapter's own words for the catalogue; add them with
// bot.NewCatalog(slack.Messages(), ...).
func Messages() bot.Messages {
	return bot.Messages{
		bot.English: {
			"slack.no_timeout":  "Slack has no timeouts: remove the member from the channel (kick) instead.",
			"slack.no_ban":      "Slack bots cannot ban members: ask a workspace admin to deactivate the account.",
			"slack.form_failed": "The form could not be opened. Please try again.",
		},
		bot.French: {
			"slack.no_timeout":  "Slack ne permet pas d'exclure temporairement un membre : retirez-le plutôt du canal (kick).",
			"slack.no_ban":      "Un bot Slack ne peut pas bannir : demandez à un administrateur de désactiver le compte.",
			"slack.form_failed": "Le formulaire n'a pas pu être ouvert. Veuillez réessayer.",
		},
		bot.Dutch: {
			"slack.no_timeout":  "Slack kent geen time-outs: verwijder het lid in plaats daarvan uit het kanaal (kick).",
			"slack.no_ban":      "Een Slack-bot kan niemand verbannen: vraag een workspacebeheerder het account te deactiveren.",
			"slack.form_failed": "Het formulier kon niet worden geopend. Probeer het opnieuw.",
		},
	}
}

// call runs one Web API call. When channel is set, it first waits for the
// channel's posting slot. A 429 is waited out (Retry-After) and the call
// repeated. The error says whether Slack refused (definite) or whether the
// request left and may have taken effect (wraps bot.ErrUnknownOutcome, see
// classify). Set idempotent for calls that change nothing visible, whose
// failures are never "unknown".
func (p *Platform) call(ctx context.Context, method, channel string, idempotent bool, fn func(ctx context.Context) error) error {
	if channel != "" {
		if err := p.pacer.wait(ctx, channel); err != nil {
			return fmt.Errorf("slack %s: waiting to post: %w", method, err)
		}
	}
	for attempt := 0; ; attempt++ {
		var sent atomic.Bool
		tctx := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			WroteRequest: func(httptrace.WroteRequestInfo) { sent.Store(true) },
		})
		err := fn(tctx)
		if err == nil {
			return nil
		}
		var rl *slack.RateLimitedError
		if errors.As(err, &rl) && attempt < maxRateLimitWaits {
			wait := max(rl.RetryAfter, time.Second)
			p.log.Info("slack rate limited, waiting", "method", method, "retry_after", wait)
			if !bot.Sleep(ctx, wait) {
				return fmt.Errorf("slack %s: rate limited: %w", method, ctx.Err())
			}
			continue
		}
		return classify(method, err, sent.Load() && !idempotent)
	}
}

// classify wraps err from method. Slack's own refusals (ok:false, 4xx, 429)
// are definite, except the ok:false errors with which Slack says the
// request may have partly succeeded (see partialErrors); any other failure
// after the request was sent may or may not have taken effect.
func classify(method string, err error, sent bool) error {
	var (
		se slack.SlackErrorResponse
		sc slack.StatusCodeError
		rl *slack.RateLimitedError
	)
	switch {
	case errors.As(err, &se) && sent && partialErrors[se.Err]:
		// Slack may have done it: unknown, below.
	case errors.As(err, &se), errors.As(err, &rl):
		return fmt.Errorf("slack %s: %w", method, err)
	case errors.As(err, &sc) && sc.Code < 500:
		return fmt.Errorf("slack %s: %w", method, err)
	case !sent:
		return fmt.Errorf("slack %s: %w", method, err)
	}
	return fmt.Errorf("slack %s: %w: %w", method, bot.ErrUnknownOutcome, err)
}

// partialErrors are the ok:false errors after which Slack may have done the
// request, in whole or in part (its documentation says so for
// chat.postMessage's fatal_error and internal_error; request_timeout and
// service_unavailable are its server failing mid-request).
var partialErrors = map[string]bool{
	"fatal_error":         true,
	"internal_error":      true,
	"request_timeout":     true,
	"service_unavailable": true,
}

// redactURL keeps a secret URL out of err's text, naming it name instead:
// whoever has a response_url or a signed upload URL can post as the app, so
// it must not reach the logs. net/http's errors (*url.Error) carry the URL;
// other errors that quote it are wrapped in one that does not.
func redactURL(err error, secret, name string) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = name
	}
	if msg := err.Error(); secret != "" && strings.Contains(msg, secret) {
		return &redactedError{msg: strings.ReplaceAll(msg, secret, name), err: err}
	}
	return err
}

// redactedError is err with a secret replaced in its text (see redactURL).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// msgOptions turns a rendered message into chat.* options. Without blocks
// the message's blocks are cleared (an update from a card to text).
func msgOptions(m message, extra ...slack.MsgOption) []slack.MsgOption {
	return append([]slack.MsgOption{slack.MsgOptionText(m.text, false), slack.MsgOptionBlocks(m.blocks...)}, extra...)
}

// Do performs a on Slack. See bot.Sender for the contract. Posts, replies,
// DMs and uploads are paced per channel. Timeouts and bans do not exist
// for Slack bots and return a *bot.Error with CodeUnavailable. An upload
// returns the channel only: Slack shares files asynchronously and does not
// say which message carries it.
func (p *Platform) Do(ctx context.Context, a bot.Action) (bot.MessageRef, error) {
	switch a.Kind {
	case bot.ActPost:
		return p.post(ctx, a.Channel, "", renderMessage(a.Text, a.Card))
	case bot.ActReply:
		ch := a.Target.Channel
		if ch.IsZero() {
			ch = a.Channel
		}
		thread := a.Target.ThreadID
		if thread == "" {
			thread = a.Target.ID
		}
		return p.post(ctx, ch, thread, renderDraft(a.Text, a.Card))
	case bot.ActUpdate:
		m := renderMessage(a.Text, a.Card)
		err := p.call(ctx, "chat.update", "", false, func(ctx context.Context) error {
			_, _, _, err := p.api.UpdateMessageContext(ctx, a.Target.Channel.ID, a.Target.ID, msgOptions(m)...)
			return err
		})
		if err != nil {
			return bot.MessageRef{}, err
		}
		return a.Target, nil
	case bot.ActDelete:
		return bot.MessageRef{}, p.delete(ctx, a.Target.Channel.ID, a.Target.ID)
	case bot.ActBulkDelete:
		var errs []error
		for _, id := range a.IDs {
			errs = append(errs, p.delete(ctx, a.Channel.ID, id))
		}
		return bot.MessageRef{}, errors.Join(errs...)
	case bot.ActDM:
		var dm string
		err := p.call(ctx, "conversations.open", "", true, func(ctx context.Context) error {
			ch, _, _, err := p.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{a.User.ID}})
			if err == nil {
				dm = ch.ID
			}
			return err
		})
		if err != nil {
			return bot.MessageRef{}, err
		}
		return p.post(ctx, bot.ChannelRef{Platform: bot.Slack, ID: dm}, "", renderMessage(a.Text, a.Card))
	case bot.ActEphemeral:
		m := renderMessage(a.Text, a.Card)
		err := p.call(ctx, "chat.postEphemeral", "", false, func(ctx context.Context) error {
			_, err := p.api.PostEphemeralContext(ctx, a.Channel.ID, a.User.ID, msgOptions(m)...)
			return err
		})
		return bot.MessageRef{Channel: a.Channel}, err
	case bot.ActUpload:
		return p.upload(ctx, a)
	case bot.ActKick:
		err := p.call(ctx, "conversations.kick", "", false, func(ctx context.Context) error {
			return p.api.KickUserFromConversationContext(ctx, a.Channel.ID, a.User.ID)
		})
		return bot.MessageRef{}, err
	case bot.ActTimeout:
		return bot.MessageRef{}, &bot.Error{Code: bot.CodeUnavailable, Key: "slack.no_timeout", Err: errors.New("timeout is not supported on Slack")}
	case bot.ActBan:
		return bot.MessageRef{}, &bot.Error{Code: bot.CodeUnavailable, Key: "slack.no_ban", Err: errors.New("ban is not supported on Slack")}
	}
	return bot.MessageRef{}, fmt.Errorf("slack: action %s not supported", a.Kind)
}

// post sends m to ch, in thread when set, paced per channel.
func (p *Platform) post(ctx context.Context, ch bot.ChannelRef, thread string, m message) (bot.MessageRef, error) {
	var opts []slack.MsgOption
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	var ts string
	err := p.call(ctx, "chat.postMessage", ch.ID, false, func(ctx context.Context) error {
		var err error
		_, ts, err = p.api.PostMessageContext(ctx, ch.ID, msgOptions(m, opts...)...)
		return err
	})
	if err != nil {
		return bot.MessageRef{}, err
	}
	return bot.MessageRef{Channel: ch, ID: ts, ThreadID: thread}, nil
}

func (p *Platform) delete(ctx context.Context, channel, ts string) error {
	return p.call(ctx, "chat.delete", "", false, func(ctx context.Context) error {
		_, _, err := p.api.DeleteMessageContext(ctx, channel, ts)
		return err
	})
}

// upload shares a.File in a.Channel: files.getUploadURLExternal, the upload
// itself, then files.completeUploadExternal with a.Text as the comment. Only
// the last step can leave the outcome unknown.
func (p *Platform) upload(ctx context.Context, a bot.Action) (bot.MessageRef, error) {
	name := a.FileName
	if name == "" {
		name = "chart.png"
	}
	if len(a.File) == 0 {
		return bot.MessageRef{}, errors.New("slack upload: empty file")
	}
	var up *slack.GetUploadURLExternalResponse
	err := p.call(ctx, "files.getUploadURLExternal", "", true, func(ctx context.Context) error {
		var err error
		up, err = p.api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: name, FileSize: len(a.File)})
		return err
	})
	if err != nil {
		return bot.MessageRef{}, err
	}
	err = p.call(ctx, "upload", "", true, func(ctx context.Context) error {
		err := p.api.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: up.UploadURL, Reader: bytes.NewReader(a.File), Filename: name})
		return redactURL(err, up.UploadURL, "upload_url")
	})
	if err != nil {
		return bot.MessageRef{}, err
	}
	thread := a.Target.ThreadID
	if thread == "" {
		thread = a.Target.ID
	}
	comment := truncate(escapeKeepRefs(a.Text), maxMessageText)
	err = p.call(ctx, "files.completeUploadExternal", a.Channel.ID, false, func(ctx context.Context) error {
		_, err := p.api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
			Files:           []slack.FileSummary{{ID: up.FileID, Title: name}},
			Channel:         a.Channel.ID,
			InitialComment:  comment,
			ThreadTimestamp: thread,
		})
		return err
	})
	if err != nil {
		return bot.MessageRef{}, err
	}
	return bot.MessageRef{Channel: a.Channel}, nil
}

// respond delivers a handler's reply to the person who caused the event:
// a form opens as a modal (with the trigger id), text and cards go to the
// response_url (ephemeral unless Public), or else are posted ephemerally in
// the channel (or publicly, in the thread, when Public). A form that cannot
// be opened is reported to the person, ephemerally, in their Slack
// language.
//
// The answer is sent even if ctx is cancelled (Run stopping while the
// handler ran), within answerTimeout.
func (p *Platform) respond(ctx context.Context, r responder, reply *bot.Reply) {
	if reply == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), answerTimeout)
	defer cancel()
	if reply.Form != nil {
		if err := p.openForm(ctx, r, reply.Form); err != nil {
			p.log.Error("open form", "form", reply.Form.ID, "user", r.user, "err", err)
			p.answer(ctx, r, &bot.Reply{Text: translate(p.langOf(ctx, r.user), "slack.form_failed")})
		}
	}
	if reply.Text == "" && reply.Card == nil {
		return
	}
	p.answer(ctx, r, reply)
}

// answer posts reply's text and card where r says (see respond).
func (p *Platform) answer(ctx context.Context, r responder, reply *bot.Reply) {
	m := renderMessage(reply.Text, reply.Card)
	var err error
	switch {
	case r.responseURL != "":
		typ := slack.ResponseTypeEphemeral
		if reply.Public {
			typ = slack.ResponseTypeInChannel
		}
		wm := &slack.WebhookMessage{Text: m.text, ResponseType: typ}
		if len(m.blocks) > 0 {
			wm.Blocks = &slack.Blocks{BlockSet: m.blocks}
		}
		err = p.call(ctx, "response_url", "", false, func(ctx context.Context) error {
			err := slack.PostWebhookCustomHTTPContext(ctx, r.responseURL, p.http, wm)
			return redactURL(err, r.responseURL, "response_url")
		})
	case reply.Public && r.channel != "":
		_, err = p.post(ctx, bot.ChannelRef{Platform: bot.Slack, ID: r.channel}, r.thread, m)
	case r.channel != "":
		err = p.call(ctx, "chat.postEphemeral", "", false, func(ctx context.Context) error {
			_, err := p.api.PostEphemeralContext(ctx, r.channel, r.user, msgOptions(m)...)
			return err
		})
	default:
		_, err = p.Do(ctx, bot.Action{Kind: bot.ActDM, User: bot.UserRef{Platform: bot.Slack, ID: r.user}, Text: reply.Text, Card: reply.Card})
	}
	if err != nil {
		p.log.Error("reply", "user", r.user, "channel", r.channel, "err", err)
	}
}

// langOf is the language of userID's Slack client, English when unknown.
func (p *Platform) langOf(ctx context.Context, userID string) bot.Lang {
	info, err := p.users.get(ctx, userID)
	if err != nil {
		return bot.English
	}
	return info.lang
}

// translate renders one of Messages, falling back to English.
func translate(lang bot.Lang, key string) string {
	msgs := Messages()
	if s, ok := msgs[lang][key]; ok {
		return s
	}
	return msgs[bot.English][key]
}

// openForm opens f as a modal with the interaction's trigger id. The channel
// the form was opened from rides along in private_metadata.
func (p *Platform) openForm(ctx context.Context, r responder, f *bot.Form) error {
	if r.triggerID == "" {
		return errors.New("no trigger id to open a modal with")
	}
	return p.call(ctx, "views.open", "", true, func(ctx context.Context) error {
		_, err := p.api.OpenViewContext(ctx, r.triggerID, renderForm(f, r.channel))
		return err
	})
}
