package bot

import (
	"context"
	"errors"
	"time"
)

// ItemState is where an inbox item is in its life.
//
//	new → drafted → (pending →) sending → sent
//	drafted → rejected | closed;  sending → unknown (outcome not known)
//
// Every move happens in one store transaction that first checks the state.
type ItemState string

// Item states. Stored: frozen once released.
const (
	ItemNew      ItemState = "new"      // received, being drafted
	ItemDrafted  ItemState = "drafted"  // a draft waits for a person
	ItemPending  ItemState = "pending"  // approved, waiting out the send delay (Undo possible)
	ItemSending  ItemState = "sending"  // the reply is being sent
	ItemSent     ItemState = "sent"     // the reply was sent
	ItemRejected ItemState = "rejected" // a person rejected the draft
	ItemClosed   ItemState = "closed"   // closed without a reply
	ItemUnknown  ItemState = "unknown"  // the send's outcome is not known: a person must check
)

// Open reports whether the item still needs a person.
func (s ItemState) Open() bool {
	switch s {
	case ItemNew, ItemDrafted, ItemPending, ItemSending, ItemUnknown:
		return true
	}
	return false
}

// ItemMessage is one community message of an item's conversation.
type ItemMessage struct {
	Ref  MessageRef `json:"ref"`
	Text string     `json:"text"`
	Time time.Time  `json:"time"`
	// Deleted is set, and Text emptied, when its author deleted the message
	// on the platform: the card shows a placeholder instead.
	Deleted bool `json:"deleted,omitempty"`
}

// ItemWork is what an item still needs from the inbox's workers. A store
// keeps every item whose Work is not zero in a durable index (the outbox),
// changed in the same transaction as the item, so work acknowledged before a
// crash or a stop is found and finished at the next start.
type ItemWork uint8

// Work bits. Stored: frozen once released.
const (
	// WorkDraft: the item needs a (new) draft: it is new, or a follow-up
	// came while a draft waited.
	WorkDraft ItemWork = 1 << iota
	// WorkCard: the item's card must be posted (Card is zero) or edited to
	// show a change.
	WorkCard
)

// ItemEvent is one line of an item's history.
type ItemEvent struct {
	Time   time.Time `json:"time"`
	Actor  UserRef   `json:"actor"`
	What   string    `json:"what"` // "drafted", "approved", "sent", "edited", ...
	Detail string    `json:"detail,omitempty"`
}

// Item is one conversation in the inbox: a member's message and its
// follow-ups, its classification, the current draft and what the team did.
type Item struct {
	ID       uint64        `json:"id"`
	State    ItemState     `json:"state"`
	Author   UserRef       `json:"author"`
	Messages []ItemMessage `json:"messages"`
	Link     string        `json:"link,omitempty"`
	Triage   Triage        `json:"triage"`

	Draft        string   `json:"draft"`
	DraftVersion int      `json:"draft_version"`
	DraftSource  string   `json:"draft_source,omitempty"`
	DraftNote    string   `json:"draft_note,omitempty"`
	Flags        []string `json:"flags,omitempty"`

	// Card is the item's card in the team channel.
	Card     MessageRef `json:"card"`
	Assignee UserRef    `json:"assignee"`

	// Approver approved the text being sent; SendAt is when a pending
	// (delayed) send goes out.
	Approver UserRef   `json:"approver"`
	SendAt   time.Time `json:"send_at"`

	Sent    MessageRef `json:"sent"`
	SentBy  UserRef    `json:"sent_by"`
	SentAt  time.Time  `json:"sent_at"`
	Reason  string     `json:"reason,omitempty"` // reject reason, send failure
	Created time.Time  `json:"created"`
	Updated time.Time  `json:"updated"`

	// Work is what the item still needs (a draft, its card); see ItemWork.
	Work ItemWork `json:"work,omitempty"`

	// History holds the first line and the latest ones (MaxHistory in all);
	// Elided counts the lines dropped between them.
	History []ItemEvent `json:"history,omitempty"`
	Elided  int         `json:"elided,omitempty"`
}

// MaxHistory bounds an item's History, so an item of a long thread stays
// small to store and rewrite.
const MaxHistory = 50

// First is the conversation's first message.
func (it *Item) First() ItemMessage {
	if len(it.Messages) == 0 {
		return ItemMessage{}
	}
	return it.Messages[0]
}

// Last is the conversation's latest message: replies go under it.
func (it *Item) Last() ItemMessage {
	if len(it.Messages) == 0 {
		return ItemMessage{}
	}
	return it.Messages[len(it.Messages)-1]
}

// Log appends a history line, dropping the oldest but the first beyond
// MaxHistory.
func (it *Item) Log(t time.Time, actor UserRef, what, detail string) {
	it.History = append(it.History, ItemEvent{Time: t, Actor: actor, What: what, Detail: detail})
	if n := len(it.History); n > MaxHistory {
		drop := n - MaxHistory
		it.History = append(it.History[:1], it.History[1+drop:]...)
		it.Elided += drop
	}
	it.Updated = t
}

// Revision counts the history lines ever logged: every logged change makes
// it grow, so a worker that read the item at one revision knows whether it
// changed since.
func (it *Item) Revision() int { return it.Elided + len(it.History) }

// ErrNotFound is wrapped by stores when a record does not exist.
var ErrNotFound = errors.New("not found")

// InboxStore keeps inbox items and the FAQ. Every method that changes an
// item does so in one transaction: fn sees the stored item, and nothing is
// written when fn returns an error. fn may run more than once (stores group
// concurrent transactions), so it must only change the item and set its
// own results afresh on each run.
type InboxStore interface {
	// Conversation finds the item one of keys belongs to and runs fn on it,
	// or, when none does, runs fn on a new item (isNew) with a fresh ID.
	// Afterwards every key leads to the item.
	Conversation(ctx context.Context, keys []string, fn func(it *Item, isNew bool) error) (Item, error)
	// Find returns the item one of keys belongs to, if any.
	Find(ctx context.Context, keys []string) (Item, bool, error)
	// UpdateItem runs fn on item id; ErrNotFound when there is none.
	UpdateItem(ctx context.Context, id uint64, fn func(it *Item) error) (Item, error)
	// LinkConversation makes keys lead to item id (a reply the bot sent, say).
	LinkConversation(ctx context.Context, id uint64, keys ...string) error
	Item(ctx context.Context, id uint64) (Item, error)
	// Items returns the items keep accepts, in id order. It reads every
	// item: for reports, not for interactive or hot paths.
	Items(ctx context.Context, keep func(*Item) bool) ([]Item, error)
	// OpenItems returns the open items (ItemState.Open), only those in
	// states when any are given, oldest first (by Created, then ID), from an
	// index: its cost follows the open items, not all the stored ones.
	OpenItems(ctx context.Context, states ...ItemState) ([]Item, error)
	// OpenIDs returns the ids of the open items, oldest first like
	// OpenItems, from the index alone: no item is read.
	OpenIDs(ctx context.Context) ([]uint64, error)
	// Finished returns the finished items (not Open) last changed at or
	// after since, oldest change first, from an index.
	Finished(ctx context.Context, since time.Time) ([]Item, error)
	// Outbox returns up to limit items whose Work is not zero and whose id
	// is above after (all of them when limit <= 0), in id order, from an
	// index.
	Outbox(ctx context.Context, after uint64, limit int) ([]Item, error)

	// DeleteFinished deletes the finished items (not Open) last changed
	// before before, and the conversation keys that lead to them, in
	// transactions of at most chunk items (so other writes never wait long);
	// it returns how many it deleted.
	DeleteFinished(ctx context.Context, before time.Time, chunk int) (int, error)

	AddFAQ(ctx context.Context, question, answer string) (FAQEntry, error)
	FAQ(ctx context.Context) ([]FAQEntry, error)
	RemoveFAQ(ctx context.Context, id uint64) error
}
