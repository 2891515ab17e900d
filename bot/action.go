package bot

import (
	"context"
	"strconv"
	"time"
)

// ActionKind says what the bot wants done.
type ActionKind int

// The kinds of Action.
const (
	ActPost       ActionKind = iota + 1 // post Text/Card to Channel
	ActReply                            // reply to Target (thread / message reference)
	ActUpdate                           // replace Target's Text/Card
	ActDelete                           // delete Target
	ActBulkDelete                       // delete IDs in Channel
	ActTimeout                          // time out User in Channel's space for Duration
	ActKick                             // kick User from Channel's space
	ActBan                              // ban User from Channel's space
	ActDM                               // send Text to User privately (warn)
	ActEphemeral                        // show Text to User only, in Channel
	ActUpload                           // upload File (PNG) to Channel with Text
	ActUntimeout                        // lift User's timeout in Channel's space
	ActUnban                            // lift User's ban in Channel's space
	ActSlowmode                         // set Channel's slow mode to Duration (0: off)
)

var actionKindNames = [...]string{"", "post", "reply", "update", "delete", "bulk_delete", "timeout", "kick", "ban", "dm", "ephemeral", "upload", "untimeout", "unban", "slowmode"}

func (k ActionKind) String() string {
	if k > 0 && int(k) < len(actionKindNames) {
		return actionKindNames[k]
	}
	return "action(" + strconv.Itoa(int(k)) + ")"
}

// Action is one thing the bot wants done on a platform.
type Action struct {
	Kind ActionKind
	// Channel is where to post, or the channel whose space a moderation
	// action applies to.
	Channel ChannelRef
	// Target is the message to reply to, update or delete.
	Target MessageRef
	// User is the member a moderation action, DM or ephemeral is for.
	User UserRef
	Text string
	Card *Card
	// Duration of a timeout; adapters clamp it to what the platform allows.
	Duration time.Duration
	// Reason goes to the platform's audit log.
	Reason string
	// IDs are the messages of a bulk delete.
	IDs []string
	// File and FileName are the upload (PNG).
	File     []byte
	FileName string
}

// Platform returns the platform the action is for.
func (a Action) Platform() PlatformID {
	switch {
	case !a.Channel.IsZero():
		return a.Channel.Platform
	case !a.Target.IsZero():
		return a.Target.Channel.Platform
	default:
		return a.User.Platform
	}
}

// Sender carries out Actions. The Engine implements it by handing each Action
// to the Platform that owns its target.
type Sender interface {
	// Do performs a and returns the message it created or changed (zero for
	// moderation actions). An error wrapping ErrUnknownOutcome means the
	// platform may or may not have done it: the caller must not retry blindly.
	Do(ctx context.Context, a Action) (MessageRef, error)
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, a Action) (MessageRef, error)

// Do calls f.
func (f SenderFunc) Do(ctx context.Context, a Action) (MessageRef, error) { return f(ctx, a) }
