package bot

import (
	"context"
	"strings"
)

// Forgetter erases what one store keeps of a member's words, for
// /cm privacy forget: storage.MessageLog deletes their stored messages,
// storage.Inbox blanks their texts in inbox items, storage.Moderation
// removes the message excerpts of their cases. Forget returns how many
// records it changed; running it again changes nothing more and returns 0.
type Forgetter interface {
	Forget(ctx context.Context, member UserRef) (int, error)
}

// ParseUserKey reads a member reference "platform:id" (UserRef.Key, what
// the router makes of an OptUser option); ok is false for anything else.
func ParseUserKey(v string) (u UserRef, ok bool) {
	p, id, ok := strings.Cut(v, ":")
	if !ok || !PlatformID(p).Valid() || id == "" {
		return UserRef{}, false
	}
	return UserRef{Platform: PlatformID(p), ID: id}, true
}
