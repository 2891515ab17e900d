package discordtest

import (
	"net/http"
	"time"
)

// The fake's fixed world: one bot, one guild with two text channels, a
// thread, and roles.
const (
	// Token is the bot token the fake accepts (without "Bot ").
	Token = "fake-discord-token"
	// BotID is the bot user's id, which is also the application id.
	BotID = "900000000000000001"
	// GuildID is the guild the bot is in.
	GuildID = "800000000000000001"
	// ChannelID is #general, a text channel of the guild.
	ChannelID = "810000000000000001"
	// TeamChannelID is #team, another text channel of the guild.
	TeamChannelID = "810000000000000002"
	// ThreadID is a public thread under #general.
	ThreadID = "810000000000000003"
	// OtherGuildID is another server the bot was added to, with one text
	// channel, OtherChannelID.
	OtherGuildID   = "800000000000000002"
	OtherChannelID = "810000000000000009"
	// RoleStaff and RoleMember are guild roles.
	RoleStaff  = "820000000000000001"
	RoleMember = "820000000000000002"
	// RoleBot is the bot's own role: Kick, Ban, Manage Channels, Manage
	// Messages and Moderate Members (SetBotRoles takes it away).
	RoleBot = "820000000000000003"
)

// Permission bits used in member permissions.
const (
	PermAdministrator int64 = 1 << 3
	PermManageGuild   int64 = 1 << 5
	// PermMember is what an ordinary member has in the fixtures.
	PermMember int64 = 2248473465835073 &^ (PermAdministrator | PermManageGuild)
)

// User is a member of the fake guild.
type User struct {
	ID         string
	Username   string
	GlobalName string
	Roles      []string
	Bot        bool
	// Permissions are the member's guild permissions, sent with interactions.
	Permissions int64
	// Locale is the Discord client's locale for interactions ("en-US" if empty).
	Locale string
}

// Users of the fake guild.
var (
	// Alice holds the Staff role.
	Alice = User{ID: "700000000000000001", Username: "alice", GlobalName: "Alice", Roles: []string{RoleStaff}, Permissions: PermMember}
	// Bob is an ordinary member.
	Bob = User{ID: "700000000000000002", Username: "bob", GlobalName: "Bob", Roles: []string{RoleMember}, Permissions: PermMember}
	// Owner administers the guild.
	Owner = User{ID: "700000000000000003", Username: "owner", Permissions: PermAdministrator}
	// OtherBot is another bot in the guild.
	OtherBot = User{ID: "700000000000000009", Username: "otherbot", Bot: true}
)

// Message is a message as the fake stores it: posted by users through
// PostUserMessage, or by the bot through REST and interaction answers.
type Message struct {
	ID          string       `json:"id"`
	ChannelID   string       `json:"channel_id"`
	AuthorID    string       `json:"-"`
	Content     string       `json:"content"`
	Embeds      []Embed      `json:"embeds"`
	Components  []Component  `json:"components"`
	Reference   *Reference   `json:"message_reference,omitempty"`
	Flags       int          `json:"flags,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	// Nonce and EnforceNonce are what the bot sent with a message it
	// posted (see Server: a repeated nonce returns the earlier message).
	Nonce        string `json:"nonce,omitempty"`
	EnforceNonce bool   `json:"enforce_nonce,omitempty"`
	Edited       bool   `json:"-"`
	// payload is a user's message as the gateway sent it (see restJSON).
	payload map[string]any
}

// Ephemeral reports flag 64.
func (m Message) Ephemeral() bool { return m.Flags&64 != 0 }

// FromBot reports whether the bot wrote the message.
func (m Message) FromBot() bool { return m.AuthorID == BotID }

// Embed is a rich embed.
type Embed struct {
	Title       string       `json:"title,omitempty"`
	URL         string       `json:"url,omitempty"`
	Description string       `json:"description,omitempty"`
	Color       int          `json:"color,omitempty"`
	Author      *EmbedAuthor `json:"author,omitempty"`
	Fields      []EmbedField `json:"fields,omitempty"`
	Footer      *EmbedFooter `json:"footer,omitempty"`
}

// EmbedAuthor is an embed's author line.
type EmbedAuthor struct {
	Name string `json:"name"`
}

// EmbedField is one field of an embed.
type EmbedField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitempty"`
}

// EmbedFooter is an embed's footer.
type EmbedFooter struct {
	Text string `json:"text"`
}

// Component is an action row, button or text input.
type Component struct {
	Type        int         `json:"type"`
	Style       int         `json:"style,omitempty"`
	Label       string      `json:"label,omitempty"`
	CustomID    string      `json:"custom_id,omitempty"`
	URL         string      `json:"url,omitempty"`
	Value       string      `json:"value,omitempty"`
	Placeholder string      `json:"placeholder,omitempty"`
	Required    *bool       `json:"required,omitempty"`
	MinLength   int         `json:"min_length,omitempty"`
	MaxLength   int         `json:"max_length,omitempty"`
	Disabled    bool        `json:"disabled,omitempty"`
	Components  []Component `json:"components,omitempty"`
}

// Buttons lists the buttons of action rows in order.
func Buttons(rows []Component) []Component {
	var out []Component
	for _, r := range rows {
		for _, c := range r.Components {
			if c.Type == 2 {
				out = append(out, c)
			}
		}
	}
	return out
}

// Reference is a message_reference.
type Reference struct {
	MessageID       string `json:"message_id"`
	ChannelID       string `json:"channel_id,omitempty"`
	GuildID         string `json:"guild_id,omitempty"`
	FailIfNotExists *bool  `json:"fail_if_not_exists,omitempty"`
}

// Attachment is an uploaded file.
type Attachment struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type,omitempty"`
	Size        int    `json:"size"`
	Data        []byte `json:"-"`
}

// Request is one recorded REST call.
type Request struct {
	Method string
	// Path is the URL path, e.g. /api/v10/channels/1/messages.
	Path   string
	Query  string
	Header http.Header
	Body   []byte
	Time   time.Time
	// Status is the HTTP status the fake answered.
	Status int
}

// Choice is an autocomplete suggestion.
type Choice struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// Modal is an opened modal.
type Modal struct {
	CustomID   string      `json:"custom_id"`
	Title      string      `json:"title"`
	Components []Component `json:"components"`
}

// Inputs lists the modal's text inputs.
func (m Modal) Inputs() []Component {
	var out []Component
	for _, r := range m.Components {
		out = append(out, r.Components...)
	}
	return out
}

// Callback is an interaction's initial response.
type Callback struct {
	// Type is the response type: 4 message, 5 deferred message, 6 deferred
	// update, 7 update, 8 autocomplete result, 9 modal.
	Type    int
	Message Message
	Choices []Choice
	Modal   *Modal
	// After is how long after dispatch the callback arrived.
	After time.Duration
}

// Result is what the bot answered to one interaction so far.
type Result struct {
	Callback *Callback
	// Edits are the successive bodies of PATCH .../messages/@original.
	Edits []Message
	// Followups are the messages posted with the interaction's webhook.
	Followups []Message
	// OriginalDeleted is set when the bot deleted its original response.
	OriginalDeleted bool
}

// Answer is the message the user ends up reading in answer: the last edit
// of a deferred response, the first follow-up, or the callback's message.
func (r Result) Answer() Message {
	switch {
	case len(r.Edits) > 0 && !r.OriginalDeleted:
		m := r.Edits[len(r.Edits)-1]
		m.Flags |= r.Callback.Message.Flags & 64
		return m
	case len(r.Followups) > 0:
		return r.Followups[0]
	case r.Callback != nil:
		return r.Callback.Message
	}
	return Message{}
}
