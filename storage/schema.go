package storage

import (
	"fmt"

	"go.etcd.io/bbolt"
)

// Bucket names. They are FROZEN once released: a file written by one version
// is read by every later one, so a name may be added, never renamed or
// reused. Every bucket is created by a migration below, so all of them exist
// once Open returns.
const (
	BucketMeta         = "meta"           // schema version and the commpilot marker
	BucketSettings     = "settings"       // one key per settings field changed by a command
	BucketAudit        = "audit"          // audit entries by sequence
	BucketMessages     = "messages"       // watched community messages by time
	BucketFAQ          = "faq"            // FAQ entries (filled by the faq store)
	BucketInboxItems   = "inbox_items"    // inbox items (filled by the inbox store)
	BucketInboxThreads = "inbox_threads"  // conversation → item (filled by the inbox store)
	BucketInboxSeq     = "inbox_seq"      // inbox id sequence (filled by the inbox store)
	BucketSkills       = "skill_settings" // each skill's own settings: skill name → JSON
	BucketTimers       = "timers"         // pending timer records by due time (TimeKey(At, kind, key))
	BucketTimerIndex   = "timer_index"    // kind 0 key → the record's key in timers
	BucketTimerFlight  = "timer_flight"   // records handed to a handler that has not returned, by sequence
	BucketTimerHeld    = "timer_held"     // due records whose kind has no handler, by kind 0 key
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
		{"v5: scheduled posts", func(tx *bbolt.Tx) error {
			return createBuckets(tx, BucketSchedPosts, BucketSchedOccs, BucketSchedAttn)
		}},
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
