package bot

import "fmt"

// MaxButtonID is the longest button or form id, in bytes, that both
// platforms accept (Discord custom_id: 100; Slack action_id: 255).
const MaxButtonID = 100

// ButtonStyle is how a button looks.
type ButtonStyle int

// Button styles. Adapters map them to Block Kit and Discord styles.
const (
	StyleDefault ButtonStyle = iota
	StylePrimary
	StyleDanger
)

// Button is a button on a Card.
type Button struct {
	Label string
	// ID is routed like a path ("inbox/approve/42/3"); at most MaxButtonID bytes.
	ID    string
	Style ButtonStyle
	// Confirm, when set, asks "are you sure" with this text before the press
	// is sent (Slack confirm dialog; Discord shows it in the label tooltip).
	Confirm string
	// URL makes a link button; ID is then ignored.
	URL string
}

// Field is a short name/value pair shown on a Card.
type Field struct {
	Name   string
	Value  string
	Inline bool
}

// Tone colours a card (embed colour, attachment bar).
type Tone int

// Card tones.
const (
	ToneNeutral Tone = iota
	ToneGood
	ToneWarning
	ToneDanger
)

// Card is a platform-neutral rich message. Adapters render it as Block Kit
// (Slack) or an embed plus components (Discord).
type Card struct {
	Title string
	// URL links the title (e.g. to the original message).
	URL string
	// Context is one small line under the title: where, who, when.
	Context string
	// Quote is the quoted original text.
	Quote  string
	Fields []Field
	// Body is the main text (e.g. the drafted reply).
	Body string
	// Footer is the status line ("Sent by @alice at 10:42").
	Footer  string
	Tone    Tone
	Buttons []Button
}

// Validate checks the limits every adapter relies on.
func (c *Card) Validate() error {
	if len(c.Buttons) > 25 {
		return fmt.Errorf("card %q: %d buttons, at most 25", c.Title, len(c.Buttons))
	}
	for _, b := range c.Buttons {
		if b.URL == "" && (b.ID == "" || len(b.ID) > MaxButtonID) {
			return fmt.Errorf("card %q: button %q id %q must be 1..%d bytes", c.Title, b.Label, b.ID, MaxButtonID)
		}
	}
	return nil
}

// Form is a small dialog (Slack modal, Discord modal) whose submission
// arrives as an EventSubmit with Action = ID and Options = field values.
type Form struct {
	ID     string
	Title  string
	Submit string
	Fields []FormField
}

// FormField is one text input of a Form.
type FormField struct {
	ID          string
	Label       string
	Value       string
	Placeholder string
	Multiline   bool
	Required    bool
	MaxLen      int
}
