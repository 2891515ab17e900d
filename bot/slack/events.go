package slack

import (
	"sync"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// Slim inner events.
//
// slack-go decodes an Events API payload several times (the envelope, the
// callback, the inner event's type, then the inner event into the type
// slackevents.EventsAPIInnerEventMapping names for it). Its MessageEvent
// decodes the message twice more, rich-text blocks and all, which the
// adapter never reads: that was most of the cost of an inbound message.
// The adapter registers these slim types for message and app_mention
// instead; they hold only what the adapter reads, and the JSON decoder
// skips the rest without building it.

// registerSlim is the one change the adapter makes to slack-go's
// process-wide EventsAPIInnerEventMapping.
var registerSlim sync.Once

// registerSlimEvents makes slack-go parse message and app_mention events
// into slimMessage and slimMention, in Socket Mode and in HTTP mode alike.
// New calls it.
//
// Why this is safe: the mapping is a plain map that slackevents.ParseEvent
// reads without a lock, so it must not be written while anything parses.
// sync.Once writes it exactly once, and Once.Do returns to every caller only
// after that write, so every parse that starts after a New returns (Socket
// Mode's reader and the HTTP handlers only run under Run, after New) sees
// the slim types, and no later New writes again. Nothing else in commpilot
// parses Events API payloads; code that called ParseEvent without a
// Platform would race with a New running at the same time.
func registerSlimEvents() {
	registerSlim.Do(func() {
		slackevents.EventsAPIInnerEventMapping[slackevents.Message] = slimMessage{}
		slackevents.EventsAPIInnerEventMapping[slackevents.AppMention] = slimMention{}
	})
}

// slimPost is a message as the adapter reads it: at the top level of a new
// message's event, or as the message (and previous_message) of a
// message_changed.
type slimPost struct {
	User     string      `json:"user"`
	BotID    string      `json:"bot_id"`
	SubType  string      `json:"subtype"`
	Text     string      `json:"text"`
	TS       string      `json:"ts"`
	ThreadTS string      `json:"thread_ts"`
	Files    []slimFile  `json:"files"`
	Edited   *slimEdited `json:"edited"`
}

// slimFile is a shared file: what bot.Attachment says of it.
type slimFile struct {
	Name     string `json:"name"`
	Mimetype string `json:"mimetype"`
	Size     int    `json:"size"`
}

type slimEdited struct {
	TS string `json:"ts"`
}

// slimMessage is a message event (every subtype).
type slimMessage struct {
	// The message itself for a new message; for message_changed it holds
	// only the event's own fields, and Message the message.
	slimPost
	// SubType is the event's subtype (the embedded one stays empty: the
	// outer field wins the JSON name).
	SubType     string `json:"subtype"`
	Channel     string `json:"channel"`
	ChannelType string `json:"channel_type"`
	EventTS     string `json:"event_ts"`
	DeletedTS   string `json:"deleted_ts"`
	// Message is the new message of a message_changed.
	Message *slimPost `json:"message"`
	// PreviousMessage is the message before a message_changed or
	// message_deleted.
	PreviousMessage *slimPost `json:"previous_message"`
}

// post returns the message the event is about: Message for
// message_changed, else the top-level one with the event's subtype.
func (m *slimMessage) post() *slimPost {
	if m.Message != nil {
		return m.Message
	}
	p := m.slimPost
	p.SubType = m.SubType
	return &p
}

// slimMention is an app_mention event.
type slimMention struct {
	slimPost
	Channel string `json:"channel"`
}

// historyPost is a message listed by conversations.history as the adapter
// reads one.
func historyPost(m slack.Msg) *slimPost {
	p := &slimPost{User: m.User, BotID: m.BotID, SubType: m.SubType, Text: m.Text, TS: m.Timestamp, ThreadTS: m.ThreadTimestamp}
	for _, f := range m.Files {
		p.Files = append(p.Files, slimFile{Name: f.Name, Mimetype: f.Mimetype, Size: f.Size})
	}
	if m.Edited != nil {
		p.Edited = &slimEdited{TS: m.Edited.Timestamp}
	}
	return p
}
