package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// Bucket names. They are FROZEN once released: a file written by one version
// is read by every later one, so a name may be added, never renamed or
// reused. Every bucket is created by a migration below, so all of them exist
// once Open returns.
const (
	BucketMeta         = "meta"           // schema version and the commpilot marker
	BucketSettings     = "settings"       // one key per settings field changed by a command
	BucketAudit        = "audit"          // audit entries by sequence
	BucketMessages     = "messages"       // v1 message records; converted and emptied by v5, unused since
	BucketFAQ          = "faq"            // FAQ entries (filled by the faq store)
	BucketInboxItems   = "inbox_items"    // inbox items (filled by the inbox store)
	BucketInboxThreads = "inbox_threads"  // conversation → item (filled by the inbox store)
	BucketInboxSeq     = "inbox_seq"      // inbox id sequence (filled by the inbox store)
	BucketSkills       = "skill_settings" // each skill's own settings: skill name → JSON
	BucketDigestHours  = "digest_hours"   // per-hour, per-channel activity aggregates by hour
	BucketDigestState  = "digest_state"   // the aggregates' watermark
	BucketTimers       = "timers"         // pending timer records by due time (TimeKey(At, kind, key))
	BucketTimerIndex   = "timer_index"    // kind 0 key → the record's key in timers
	BucketTimerFlight  = "timer_flight"   // records handed to a handler that has not returned, by sequence
	BucketTimerHeld    = "timer_held"     // due records whose kind has no handler, by kind 0 key
	BucketMessageLog   = "message_log"    // community messages by posting time (see MessageLog)
	BucketMessageRefs  = "message_refs"   // platform, channel, message id → its message_log key
	BucketModRules     = "mod_rules"      // moderation rules: platform 0 name → JSON
	BucketModCases     = "mod_cases"      // moderation cases by number (its sequence numbers them)
	BucketModMember    = "mod_member"     // member key 0 case number → empty: a member's cases
	BucketSeenEvents   = "seen_events"    // platform 0 event id → when first seen (U64Key of Unix ns)
	BucketSeenByTime   = "seen_by_time"   // TimeKey(first seen, platform, id) → its seen_events key
)

// Indexes of the inbox store (see Inbox), frozen like the others.
const (
	BucketInboxOpen   = "inbox_open"   // open items: created time (8) + id (8) → state
	BucketInboxDone   = "inbox_done"   // finished items: updated time (8) + id (8) → empty
	BucketInboxOutbox = "inbox_outbox" // items with work (a draft, a card): id → bot.ItemWork
	BucketInboxKeys   = "inbox_keys"   // id (8) + conversation key → empty: the keys leading to an item
)

// Buckets of the schedule store, frozen like the others.
const (
	BucketSchedPosts = "schedule_posts"     // scheduled posts by id
	BucketSchedOccs  = "schedule_occs"      // occurrences by post id + time
	BucketSchedAttn  = "schedule_attention" // occurrence keys the runner checks at start-up
)

// Keys of the meta bucket, frozen like the bucket names.
const (
	metaApp     = "app"            // value appName marks a commpilot file
	metaVersion = "schema_version" // U64Key of the schema version
	appName     = "commpilot"
)

// migration brings the schema from version i to i+1, where i is its index in
// migrations(). It runs once, in its own write transaction, which also
// stores the new version: a crash leaves the file at the old or new version,
// never in between.
type migration struct {
	name string
	up   func(tx *bbolt.Tx) error
}

// migrations is the ordered, append-only history of the schema. Never edit or
// reorder a released step: add a new one at the end.
func migrations() []migration {
	return []migration{
		{"v1: meta, settings, audit and message log", func(tx *bbolt.Tx) error {
			if err := createBuckets(tx, BucketMeta, BucketSettings, BucketAudit, BucketMessages); err != nil {
				return err
			}
			return tx.Bucket([]byte(BucketMeta)).Put([]byte(metaApp), []byte(appName))
		}},
		{"v2: faq and inbox", func(tx *bbolt.Tx) error {
			return createBuckets(tx, BucketFAQ, BucketInboxItems, BucketInboxThreads, BucketInboxSeq)
		}},
		{"v3: per-skill settings", func(tx *bbolt.Tx) error {
			return createBuckets(tx, BucketSkills)
		}},
		{"v4: durable timers", func(tx *bbolt.Tx) error {
			return createBuckets(tx, BucketTimers, BucketTimerIndex, BucketTimerFlight, BucketTimerHeld)
		}},
		{"v5: message log by posting time with a reference index", migrateMessageLog},
		{"v6: moderation rules and cases", func(tx *bbolt.Tx) error {
			return createBuckets(tx, BucketModRules, BucketModCases, BucketModMember)
		}},
		{"v7: digest aggregates", func(tx *bbolt.Tx) error {
			return createBuckets(tx, BucketDigestHours, BucketDigestState)
		}},
		{"v8: scheduled posts", func(tx *bbolt.Tx) error {
			return createBuckets(tx, BucketSchedPosts, BucketSchedOccs, BucketSchedAttn)
		}},
		{"v9: seen event ids", func(tx *bbolt.Tx) error {
			return createBuckets(tx, BucketSeenEvents, BucketSeenByTime)
		}},
		{"v10: inbox indexes (open items, finished items, outbox, keys by item)", migrateInboxIndexes},
	}
}

// SchemaVersion is the schema version this binary writes.
func SchemaVersion() uint64 { return uint64(len(migrations())) }

func createBuckets(tx *bbolt.Tx, names ...string) error {
	for _, n := range names {
		if _, err := tx.CreateBucketIfNotExists([]byte(n)); err != nil {
			return fmt.Errorf("create bucket %s: %w", n, err)
		}
	}
	return nil
}

// v1Message is a record of the v1 message log: a message, or a later edit
// or deletion of it as a record of its own at the time of the change.
type v1Message struct {
	Platform    bot.PlatformID `json:"platform"`
	Channel     string         `json:"channel"`
	ID          string         `json:"id"`
	ThreadID    string         `json:"thread_id,omitempty"`
	AuthorID    string         `json:"author_id"`
	AuthorName  string         `json:"author_name,omitempty"`
	AuthorRoles []string       `json:"author_roles,omitempty"`
	AuthorBot   bool           `json:"author_bot,omitempty"`
	Text        string         `json:"text"`
	Time        time.Time      `json:"time"`
	Edited      bool           `json:"edited,omitempty"`
	Deleted     bool           `json:"deleted,omitempty"`
}

// migrateMessageLog converts the v1 records of BucketMessages, oldest
// first, into one bot.LoggedMessage per message in BucketMessageLog and
// BucketMessageRefs: an edit record becomes the message's text (Edited,
// EditedAt), a deletion record empties it (Deleted, DeletedAt), and an edit
// or deletion whose message is not stored (purged already) is dropped, as
// MessageLog does. The v1 bucket is then emptied.
func migrateMessageLog(tx *bbolt.Tx) error {
	if err := createBuckets(tx, BucketMessageLog, BucketMessageRefs); err != nil {
		return err
	}
	old := tx.Bucket([]byte(BucketMessages))
	if old == nil {
		return nil
	}
	err := old.ForEach(func(k, v []byte) error {
		var r v1Message
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode v1 message at %x: %w", k, err)
		}
		ref := bot.MessageRef{Channel: bot.ChannelRef{Platform: r.Platform, ID: r.Channel}, ID: r.ID, ThreadID: r.ThreadID}
		if r.Deleted {
			return markDeleted(tx, ref, r.Time)
		}
		m := bot.LoggedMessage{
			Ref:    ref,
			Author: bot.UserRef{Platform: r.Platform, ID: r.AuthorID, Name: r.AuthorName, Roles: r.AuthorRoles, Bot: r.AuthorBot},
			Text:   r.Text, Time: r.Time, Edited: r.Edited,
		}
		if r.Edited {
			m.EditedAt = r.Time
		}
		val, err := encodeMessage(m)
		if errors.Is(err, errIncomplete) {
			return nil // v1 refused these; nothing to convert
		} else if err != nil {
			return err
		}
		return record(tx, m, val)
	})
	if err != nil {
		return err
	}
	// Emptied, not removed: every bucket named above exists once Open
	// returns.
	if err := tx.DeleteBucket([]byte(BucketMessages)); err != nil {
		return err
	}
	return createBuckets(tx, BucketMessages)
}
