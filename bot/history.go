package bot

import (
	"context"
	"time"
)

// Attachment is a file attached to a community message.
type Attachment struct {
	Name string `json:"name"`
	// Type is the MIME type when the platform says it ("image/png").
	Type string `json:"type,omitempty"`
	Size int64  `json:"size,omitempty"`
}

// MentionCount counts what a message pings.
type MentionCount struct {
	Users    int `json:"users,omitempty"`
	Roles    int `json:"roles,omitempty"`
	Channels int `json:"channels,omitempty"`
	// Everyone is set for @everyone, @here, @channel (or an attempt at it).
	Everyone bool `json:"everyone,omitempty"`
}

// LoggedMessage is one stored community message as of its latest change.
type LoggedMessage struct {
	Ref  MessageRef `json:"ref"`
	Link string     `json:"link,omitempty"`
	// Author carries the author's roles as seen when the message was posted.
	Author UserRef `json:"author"`
	// AuthorCreated and AuthorJoined are the account's creation and the
	// server join times, zero where the platform does not say.
	AuthorCreated time.Time    `json:"author_created,omitzero"`
	AuthorJoined  time.Time    `json:"author_joined,omitzero"`
	Text          string       `json:"text"`
	Attachments   []Attachment `json:"attachments,omitempty"`
	Mentions      MentionCount `json:"mentions,omitzero"`
	// Time is when the message was posted.
	Time time.Time `json:"time"`
	// Edited and EditedAt say the text was changed; Deleted and DeletedAt say
	// the message was deleted on the platform (its text and attachments are
	// gone).
	Edited    bool      `json:"edited,omitempty"`
	EditedAt  time.Time `json:"edited_at,omitzero"`
	Deleted   bool      `json:"deleted,omitempty"`
	DeletedAt time.Time `json:"deleted_at,omitzero"`
}

// HistoryFilter selects stored messages. Zero fields select everything.
type HistoryFilter struct {
	// From and To bound the posting time: From <= Time < To (zero To: no bound).
	From, To time.Time
	// Channels keeps messages of these channels only.
	Channels []ChannelRef
	// Author keeps messages of this author only ("platform:id", UserRef.Key).
	Author string
}

// History reads the stored community messages.
type History interface {
	// Range calls fn for each message the filter selects, in posting-time
	// order, until fn returns false. It reads from time-ordered keys, never
	// scanning outside [From, To).
	Range(ctx context.Context, f HistoryFilter, fn func(LoggedMessage) bool) error
}

// MessageLog is History plus the writes of the history skill.
type MessageLog interface {
	History
	// Record stores m, or its edit when m.Edited is set (the stored message
	// keeps its posting time and takes the new text). It may return before
	// the write is committed (storage groups the log's writes), but a later
	// Range sees it and a clean stop keeps it.
	Record(ctx context.Context, m LoggedMessage) error
	// Delete records that ref was deleted at t: its text and attachments go.
	Delete(ctx context.Context, ref MessageRef, t time.Time) error
	// Purge deletes what was posted before before and returns how many.
	Purge(ctx context.Context, before time.Time) (int, error)
}
