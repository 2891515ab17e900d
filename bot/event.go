package bot

import (
	"strconv"
	"time"
)

// EventKind says what kind of thing happened.
type EventKind int

// The kinds of Event.
const (
	EventMessage      EventKind = iota + 1 // a message was posted (or edited)
	EventCommand                           // a /cm command
	EventAction                            // a button was pressed
	EventSubmit                            // a form was submitted
	EventAutocomplete                      // an option is being typed (Discord)
)

var eventKindNames = [...]string{"", "message", "command", "action", "submit", "autocomplete"}

func (k EventKind) String() string {
	if k > 0 && int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Event is something that happened on a platform, translated by an adapter.
type Event struct {
	// ID is unique per platform; the engine drops a second event with the
	// same platform and ID (redeliveries, retries around a resume).
	ID   string
	Kind EventKind
	// Message is the message itself (EventMessage), or the message that
	// carried the pressed button, or the channel the command was typed in.
	Message MessageRef
	// ReplyTo is the message this one replies to, when the platform says so.
	ReplyTo MessageRef
	// Within is the channel a thread belongs to, for messages in a Discord
	// thread (whose Message.Channel is the thread itself).
	Within ChannelRef
	User   UserRef
	Text   string
	// Edited marks an edit of an earlier message (same Message.ID); Text is
	// the new text.
	Edited bool
	// Deleted marks the deletion of Message on the platform (a bulk
	// deletion arrives as one event per message); Text is empty.
	Deleted bool
	// Attachments are the files attached to the message.
	Attachments []Attachment
	// Mentions counts what the message pings, as the platform says.
	Mentions MentionCount
	// AuthorCreated and AuthorJoined are when the author's account was
	// created and when they joined the server, zero where unknown.
	AuthorCreated, AuthorJoined time.Time
	// Mentioned is set when the message mentions the bot itself.
	Mentioned bool
	// DM is set for direct messages to the bot.
	DM bool

	// Command is the route of a /cm command: "group verb", "group" or "help".
	Command string
	// Args are the words after the route (Slack): the router binds them to
	// the command's Options.
	Args []string
	// Options are the typed values of the command, or a form's field values.
	Options map[string]string
	// Focus is the option being typed in an EventAutocomplete.
	Focus string

	// Action is the id of the pressed button or submitted form,
	// "inbox/approve/42/3".
	Action string
	// Vars are the values the router read from the action id's pattern.
	Vars []Param

	Time time.Time
}

// Option returns the named option value, or "".
func (e Event) Option(name string) string { return e.Options[name] }

// Param is one named value read from an action id.
type Param struct{ Name, Value string }

// Var returns the named pattern variable of an action id, or "".
func (e Event) Var(name string) string {
	for _, p := range e.Vars {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// Reply is what a handler answers to the person who sent an event. Adapters
// show Text and Card only to that person (ephemeral) unless Public is set.
type Reply struct {
	Text string
	Card *Card
	// Public shows the reply to the whole channel instead of only the sender.
	Public bool
	// Form opens a form (Slack modal, Discord modal) in answer to a button
	// press or command.
	Form *Form
	// FieldErrors keeps a submitted form open with these errors by field id.
	FieldErrors map[string]string
	// Choices answer an EventAutocomplete.
	Choices []Choice
}

// Choice is one autocomplete suggestion.
type Choice struct {
	Name  string
	Value string
}

// Text is a convenience for a plain ephemeral reply.
func Text(s string) *Reply { return &Reply{Text: s} }
