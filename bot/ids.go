package bot

import (
	"fmt"
	"strings"

	"github.com/commpilot/commpilot/bot/text"
)

// PlatformID names a chat platform.
type PlatformID string

// The platforms commpilot speaks to.
const (
	Discord PlatformID = "discord"
	Slack   PlatformID = "slack"
	// Web is the browser playground (bot/web), a local stand-in for both.
	Web PlatformID = "web"
)

// Valid reports whether p is a known platform.
func (p PlatformID) Valid() bool { return p == Discord || p == Slack || p == Web }

// ChannelRef names a channel (or thread, or DM) on one platform.
type ChannelRef struct {
	Platform PlatformID `json:"platform"`
	ID       string     `json:"id"`
}

// String renders the reference as "platform:id", the form ParseChannelRef reads.
func (c ChannelRef) String() string {
	if c.IsZero() {
		return ""
	}
	return string(c.Platform) + ":" + c.ID
}

// IsZero reports whether c names no channel.
func (c ChannelRef) IsZero() bool { return c.ID == "" }

// Mention renders the channel as a neutral mention, "<#slack:C1>", which
// the adapters render as their markup (see bot/text); "" for no channel.
func (c ChannelRef) Mention() string {
	if c.IsZero() {
		return ""
	}
	return text.ChannelMention(c.String())
}

// ParseChannelRef reads "slack:C0123" or "discord:123456".
func ParseChannelRef(s string) (ChannelRef, error) {
	p, id, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || !PlatformID(p).Valid() || id == "" || strings.ContainsAny(id, " \t:") {
		return ChannelRef{}, fmt.Errorf("channel %q: want slack:ID or discord:ID", s)
	}
	return ChannelRef{Platform: PlatformID(p), ID: id}, nil
}

// MessageRef names one message. ThreadID is the thread root (Slack thread_ts)
// or the thread channel the message lives in, when there is one.
type MessageRef struct {
	Channel  ChannelRef `json:"channel"`
	ID       string     `json:"id"`
	ThreadID string     `json:"thread_id,omitempty"`
}

// IsZero reports whether m names no message.
func (m MessageRef) IsZero() bool { return m.ID == "" }

// UserRef names a user of one platform as seen in one event.
type UserRef struct {
	Platform PlatformID `json:"platform"`
	ID       string     `json:"id"`
	Name     string     `json:"name,omitempty"`
	// Roles are the user's role ids (Discord) or user-group ids (Slack).
	Roles []string `json:"roles,omitempty"`
	// Admin is set by the adapter when the platform says the user administers
	// the space (Discord Administrator or Manage Server; Slack admin or owner).
	Admin bool `json:"admin,omitempty"`
	// Bot is set when the author is a bot or an app.
	Bot bool `json:"bot,omitempty"`
}

// Key renders "platform:id", the form used in staff lists.
func (u UserRef) Key() string { return string(u.Platform) + ":" + u.ID }

// Mention renders the user as a neutral mention, "<@slack:U1>", which the
// adapters render as their markup (see bot/text); without an id it is the
// name, defused.
func (u UserRef) Mention() string {
	if u.ID == "" {
		return text.Defuse(u.Name)
	}
	return text.MentionOf(u.Key())
}

// Display is the user's name if known, else the mention. The name comes
// from the platform and is defused (text.Defuse): a name written like a
// mention pings no one.
func (u UserRef) Display() string {
	if u.Name != "" {
		return "@" + text.Defuse(u.Name)
	}
	return u.Mention()
}
