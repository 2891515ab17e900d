package slack

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/commpilot/commpilot/bot"
)

// request is one delivery from Slack, from either transport. Exactly one
// field is set.
type request struct {
	event       *slackevents.EventsAPIEvent
	command     *slack.SlashCommand
	interaction *slack.InteractionCallback
}

// synchronous reports whether the request's handler must run before the
// acknowledgement (a modal submission, whose ack carries validation errors).
func (r request) synchronous() bool {
	return r.interaction != nil && r.interaction.Type == slack.InteractionTypeViewSubmission
}

// responder says where the answer to an event goes.
type responder struct {
	channel     string
	thread      string
	user        string
	responseURL string
	triggerID   string
}

// receive translates r. It returns the payload to acknowledge r with (nil
// for an empty ack) and the work to start once the ack is written (nil for
// none). Only a modal submission blocks, for at most submitWait.
func (s *session) receive(r request) (ack any, then func()) {
	switch {
	case r.event != nil:
		return nil, s.receiveEvent(r.event)
	case r.command != nil:
		ev, resp := commandEvent(r.command)
		return nil, s.later(ev, resp)
	case r.interaction != nil:
		switch r.interaction.Type {
		case slack.InteractionTypeBlockActions:
			return nil, s.receiveActions(r.interaction)
		case slack.InteractionTypeViewSubmission:
			return s.receiveSubmission(r.interaction)
		}
		s.p.log.Debug("interaction ignored", "type", r.interaction.Type)
	}
	return nil, nil
}

// later returns the work that handles ev and delivers its reply.
func (s *session) later(ev bot.Event, resp responder) func() {
	return func() {
		s.spawn(func(ctx context.Context) {
			s.fillUser(ctx, &ev.User)
			reply, err := s.h.HandleEvent(ctx, ev)
			if err != nil {
				s.p.log.Error("handle event", "kind", ev.Kind.String(), "event", ev.ID, "err", err)
				return
			}
			s.p.respond(ctx, resp, reply)
		})
	}
}

func (s *session) receiveEvent(e *slackevents.EventsAPIEvent) func() {
	t := s.p.teamInfo()
	switch inner := e.InnerEvent.Data.(type) {
	case *slimMessage:
		if inner.SubType == "message_deleted" {
			ev, ok := deleteEvent(inner)
			if !ok {
				return nil
			}
			return s.later(ev, responder{channel: ev.Message.Channel.ID})
		}
		ev, ok := messageEvent(inner, t)
		if !ok {
			return nil
		}
		s.p.seen.see(ev.Message)
		return s.later(ev, responder{channel: ev.Message.Channel.ID, user: ev.User.ID})
	case *slimMention:
		ev, ok := mentionEvent(inner, t)
		if !ok {
			return nil
		}
		s.p.seen.see(ev.Message)
		return s.later(ev, responder{channel: ev.Message.Channel.ID, user: ev.User.ID})
	}
	s.p.log.Debug("event ignored", "type", e.InnerEvent.Type)
	return nil
}

// deliveredSubtype reports whether a message subtype carries a person's words.
func deliveredSubtype(st string) bool {
	switch st {
	case "", "thread_broadcast", "file_share", "me_message", "message_changed":
		return true
	}
	return false
}

// messageEvent translates a message event, with its files as attachments
// and its mention counts (Slack does not say when an account was created or
// joined). It reports false for what is not delivered: bots (the bot itself included), system subtypes, and edits
// that did not change the text (Slack sends those for link previews).
func messageEvent(m *slimMessage, t team) (bot.Event, bool) {
	if !deliveredSubtype(m.SubType) || m.BotID != "" {
		return bot.Event{}, false
	}
	msg := m.post()
	edited := m.SubType == "message_changed"
	if edited && m.PreviousMessage != nil && m.PreviousMessage.Text == msg.Text {
		return bot.Event{}, false
	}
	ev, ok := personEvent(m.Channel, m.ChannelType == slackevents.ChannelTypeIM, msg, t)
	if !ok {
		return bot.Event{}, false
	}
	ev.Edited = edited
	if edited {
		editTS := m.EventTS
		if msg.Edited != nil && msg.Edited.TS != "" {
			editTS = msg.Edited.TS
		}
		ev.ID += ":edit:" + editTS
		ev.Time = tsTime(editTS)
	}
	return ev, true
}

// personEvent is the message event of msg, posted in channel (a DM when dm
// is set), with its mention counts and thread. It reports false when a bot
// posted msg (the bot itself included). Live events and the messages a
// backfill lists (see backfill.go) are translated alike, so they get the
// same event.
func personEvent(channel string, dm bool, msg *slimPost, t team) (bot.Event, bool) {
	if msg.BotID != "" || msg.SubType == "bot_message" || msg.User == "" || msg.User == t.botUserID {
		return bot.Event{}, false
	}
	ev := postedEvent(channel, msg.TS, msg.User, msg.Text, msg.Files)
	ev.Mentioned = mentions(msg.Text, t.botUserID)
	ev.DM = dm
	setThread(&ev, msg.ThreadTS)
	return ev, true
}

// deleteEvent translates a message_deleted: a Deleted event for the message
// deleted_ts of the channel, at the event's time. Its id is the message's:
// a message is deleted once.
func deleteEvent(m *slimMessage) (bot.Event, bool) {
	if m.DeletedTS == "" || m.Channel == "" {
		return bot.Event{}, false
	}
	ch := bot.ChannelRef{Platform: bot.Slack, ID: m.Channel}
	ev := bot.Event{
		ID:      "d:" + m.Channel + ":" + m.DeletedTS,
		Kind:    bot.EventMessage,
		Message: bot.MessageRef{Channel: ch, ID: m.DeletedTS},
		Deleted: true,
		DM:      m.ChannelType == slackevents.ChannelTypeIM,
		Time:    tsTime(m.EventTS),
	}
	if prev := m.PreviousMessage; prev != nil {
		setThread(&ev, prev.ThreadTS)
	}
	return ev, true
}

// attachments lists the files shared with a message.
func attachments(files []slimFile) []bot.Attachment {
	var out []bot.Attachment
	for _, f := range files {
		out = append(out, bot.Attachment{Name: f.Name, Type: f.Mimetype, Size: int64(f.Size)})
	}
	return out
}

// mentionEvent translates an app_mention; its id is the one the same
// message gets as a message event, so the engine handles it once.
func mentionEvent(m *slimMention, t team) (bot.Event, bool) {
	// Edits arrive as message_changed too, which carries them.
	if m.BotID != "" || m.User == "" || m.User == t.botUserID || m.Edited != nil {
		return bot.Event{}, false
	}
	ev := postedEvent(m.Channel, m.TS, m.User, m.Text, m.Files)
	ev.Mentioned = true
	setThread(&ev, m.ThreadTS)
	return ev, true
}

// postedEvent is the message event of the message ts that user posted in
// channel, with its text, files and mention counts. Its id depends only on
// channel and ts, so the message event and the app_mention of one message
// are one event to the engine.
func postedEvent(channel, ts, user, text string, files []slimFile) bot.Event {
	return bot.Event{
		ID:          "m:" + channel + ":" + ts,
		Kind:        bot.EventMessage,
		Message:     bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Slack, ID: channel}, ID: ts},
		User:        bot.UserRef{Platform: bot.Slack, ID: user},
		Text:        decodeText(text),
		Attachments: attachments(files),
		Mentions:    mentionCount(text),
		Time:        tsTime(ts),
	}
}

// setThread records that ev is a reply in the thread rooted at threadTS.
func setThread(ev *bot.Event, threadTS string) {
	if threadTS == "" || threadTS == ev.Message.ID {
		return
	}
	ev.Message.ThreadID = threadTS
	ev.ReplyTo = bot.MessageRef{Channel: ev.Message.Channel, ID: threadTS}
}

// commandEvent translates a /cm invocation. The text goes to the router as
// typed, with links and entities decoded.
func commandEvent(c *slack.SlashCommand) (bot.Event, responder) {
	ev := bot.Event{
		Kind:    bot.EventCommand,
		Message: bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Slack, ID: c.ChannelID}},
		User:    bot.UserRef{Platform: bot.Slack, ID: c.UserID, Name: c.UserName},
		Text:    strings.TrimSpace(decodeCommand(c.Text)),
		DM:      strings.HasPrefix(c.ChannelID, "D"),
		Time:    time.Now(),
	}
	if c.TriggerID != "" {
		ev.ID = "c:" + c.TriggerID
	}
	return ev, responder{channel: c.ChannelID, user: c.UserID, responseURL: c.ResponseURL, triggerID: c.TriggerID}
}

func (s *session) receiveActions(cb *slack.InteractionCallback) func() {
	var work []func()
	for _, a := range cb.ActionCallback.BlockActions {
		if strings.HasPrefix(a.ActionID, linkActionPrefix) {
			continue
		}
		ev, resp := actionEvent(cb, a)
		work = append(work, s.later(ev, resp))
	}
	if len(work) == 0 {
		return nil
	}
	return func() {
		for _, w := range work {
			w()
		}
	}
}

// actionEvent translates one pressed button; Message is the message that
// carries it.
func actionEvent(cb *slack.InteractionCallback, a *slack.BlockAction) (bot.Event, responder) {
	channel := cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	ts := cb.Container.MessageTs
	if ts == "" {
		ts = cb.Message.Timestamp
	}
	thread := cb.Container.ThreadTs
	if thread == "" {
		thread = cb.Message.ThreadTimestamp
	}
	ev := bot.Event{
		Kind:    bot.EventAction,
		Action:  a.ActionID,
		Message: bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Slack, ID: channel}, ID: ts},
		User:    bot.UserRef{Platform: bot.Slack, ID: cb.User.ID, Name: cb.User.Name},
		Time:    time.Now(),
	}
	if thread != "" && thread != ts {
		ev.Message.ThreadID = thread
	}
	switch {
	case cb.TriggerID != "":
		ev.ID = "a:" + cb.TriggerID + ":" + a.ActionID
	case a.ActionTs != "":
		ev.ID = "a:" + a.ActionTs + ":" + cb.User.ID + ":" + a.ActionID
	}
	return ev, responder{channel: channel, thread: ev.Message.ThreadID, user: cb.User.ID, responseURL: cb.ResponseURL, triggerID: cb.TriggerID}
}

// submitEvent translates a modal submission: Action is the view's
// callback_id (the bot.Form ID) and Options maps each input's block_id (the
// field ID) to its value.
func submitEvent(cb *slack.InteractionCallback) (bot.Event, responder) {
	opts := map[string]string{}
	if cb.View.State != nil {
		for blockID, actions := range cb.View.State.Values {
			for _, a := range actions {
				opts[blockID] = actionValue(a)
			}
		}
	}
	ev := bot.Event{
		Kind:    bot.EventSubmit,
		Action:  cb.View.CallbackID,
		Options: opts,
		// The form was opened from this channel (see respond).
		Message: bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Slack, ID: cb.View.PrivateMetadata}},
		User:    bot.UserRef{Platform: bot.Slack, ID: cb.User.ID, Name: cb.User.Name},
		Time:    time.Now(),
	}
	if cb.TriggerID != "" {
		ev.ID = "v:" + cb.TriggerID
	}
	return ev, responder{channel: cb.View.PrivateMetadata, user: cb.User.ID}
}

// actionValue is the value of one input in a view's state.
func actionValue(a slack.BlockAction) string {
	switch {
	case a.Value != "":
		return a.Value
	case a.SelectedOption.Value != "":
		return a.SelectedOption.Value
	case a.SelectedUser != "":
		return a.SelectedUser
	case a.SelectedChannel != "":
		return a.SelectedChannel
	case a.SelectedConversation != "":
		return a.SelectedConversation
	case a.SelectedDate != "":
		return a.SelectedDate
	}
	return a.SelectedTime
}

type handled struct {
	reply *bot.Reply
	err   error
}

// receiveSubmission runs the submit handler for up to submitWait. Field
// errors keep the modal open (response_action errors); otherwise the modal
// closes and any answer is posted to the user ephemerally. A handler slower
// than submitWait gets the modal closed at once and its answer posted when
// it comes.
func (s *session) receiveSubmission(cb *slack.InteractionCallback) (any, func()) {
	ev, resp := submitEvent(cb)
	done := make(chan handled, 1)
	// Not in a slot: the ack waits for this handler, and must not wait
	// for a slot too (Slack gives a submission 3 s). Submissions come one
	// per open modal, from people.
	s.spawnUnbounded(func(ctx context.Context) {
		s.fillUser(ctx, &ev.User)
		r, err := s.h.HandleEvent(ctx, ev)
		done <- handled{r, err}
	})
	deliver := func(res handled) func() {
		return func() {
			s.spawn(func(ctx context.Context) { s.p.respondSubmit(ctx, ev, resp, res) })
		}
	}
	timer := time.NewTimer(s.p.submitWait)
	defer timer.Stop()
	select {
	case res := <-done:
		if res.err == nil && res.reply != nil && len(res.reply.FieldErrors) > 0 {
			return slack.NewErrorsViewSubmissionResponse(res.reply.FieldErrors), nil
		}
		return nil, deliver(res)
	case <-timer.C:
		s.p.log.Debug("slow form submission: closing the modal first", "form", ev.Action)
		return nil, func() {
			// The handler runs to the end, so it sends its result, within
			// the engine's deadline.
			s.spawnUnbounded(func(ctx context.Context) { s.p.respondSubmit(ctx, ev, resp, <-done) })
		}
	}
}

// respondSubmit posts a submission's answer once its modal is closed; field
// errors that came too late to show in the modal are posted as text.
func (p *Platform) respondSubmit(ctx context.Context, ev bot.Event, resp responder, res handled) {
	if res.err != nil {
		p.log.Error("handle event", "kind", ev.Kind.String(), "event", ev.ID, "err", res.err)
		return
	}
	reply := res.reply
	if reply != nil && len(reply.FieldErrors) > 0 {
		var b strings.Builder
		b.WriteString(reply.Text)
		for _, id := range slices.Sorted(maps.Keys(reply.FieldErrors)) {
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			b.WriteString(id + ": " + reply.FieldErrors[id])
		}
		reply = &bot.Reply{Text: b.String()}
	}
	p.respond(ctx, resp, reply)
}

// tsTime reads a Slack timestamp ("1700000000.000100").
func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Now()
	}
	var us int64
	if frac != "" {
		us, _ = strconv.ParseInt((frac + "000000")[:6], 10, 64)
	}
	return time.Unix(s, us*1000)
}
