package storage_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(t.UnixNano())
	return c
}
func (c *fakeClock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) add(d time.Duration) { c.ns.Add(int64(d)) }
func (c *fakeClock) clock() bot.Clock    { return c.now }

func first(t *testing.T, s *storage.SeenEvents, p bot.PlatformID, id string) bool {
	t.Helper()
	ok, err := s.First(context.Background(), p, id)
	if err != nil {
		t.Fatalf("First(%s, %s): %v", p, id, err)
	}
	return ok
}

func TestSeenEventsSurviveReopenAndExpire(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	clock := newFakeClock(base)
	db, err := storage.Open(ctx, path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	seen := storage.NewSeenEvents(db, clock.clock())
	if !first(t, seen, bot.Slack, "c:T1") {
		t.Fatal("a new id is not first")
	}
	if first(t, seen, bot.Slack, "c:T1") {
		t.Error("an id seen a moment ago is first again")
	}
	if !first(t, seen, bot.Discord, "c:T1") {
		t.Error("the same id on another platform is not first")
	}

	// The event's effect commits (an audit entry here): a copy of the file
	// taken now, what a crash would leave, already holds the id.
	if err := storage.NewAuditLog(db).Audit(ctx, bot.AuditEntry{Action: "faq.add", Time: base}); err != nil {
		t.Fatal(err)
	}
	crashed := filepath.Join(t.TempDir(), "crashed.db")
	if err := db.Backup(ctx, crashed); err != nil {
		t.Fatal(err)
	}
	if first(t, storage.NewSeenEvents(openAt(t, crashed), clock.clock()), bot.Slack, "c:T1") {
		t.Error("after a crash that followed the event's commit, its id is first again")
	}

	// An id with no write after it is written by Close.
	if !first(t, seen, bot.Slack, "c:T2") {
		t.Fatal("a new id is not first")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openAt(t, path)
	seen = storage.NewSeenEvents(db, clock.clock())
	for _, id := range []string{"c:T1", "c:T2"} {
		if first(t, seen, bot.Slack, id) {
			t.Errorf("after a restart, %s is first again", id)
		}
	}
	if !first(t, seen, bot.Slack, "c:T3") {
		t.Error("a new id after a restart is not first")
	}

	// Past SeenKeep, the next commit deletes them: the ids are new again.
	clock.add(storage.SeenKeep + time.Minute)
	if err := storage.NewAuditLog(db).Audit(ctx, bot.AuditEntry{Action: "later", Time: clock.now()}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"c:T1", "c:T2", "c:T3"} {
		if !first(t, seen, bot.Slack, id) {
			t.Errorf("%s is still remembered %v later", id, storage.SeenKeep+time.Minute)
		}
	}
}

func TestSeenEventsExpireInBoundedChunks(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(base)
	db := openAt(t, tempPath(t))
	seen := storage.NewSeenEvents(db, clock.clock())
	const n = 3000
	for i := range n {
		first(t, seen, bot.Discord, fmt.Sprint("m:", i))
	}
	audit := storage.NewAuditLog(db)
	if err := audit.Audit(ctx, bot.AuditEntry{Action: "write", Time: base}); err != nil {
		t.Fatal(err)
	}
	clock.add(2 * storage.SeenKeep)
	// Each commit deletes a chunk (at least 512, and twice what it writes);
	// after enough commits every old id is gone, a newer one stays.
	first(t, seen, bot.Discord, "m:new")
	for range n/512 + 1 {
		if err := audit.Audit(ctx, bot.AuditEntry{Action: "write", Time: clock.now()}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"m:0", fmt.Sprint("m:", n-1)} {
		if !first(t, seen, bot.Discord, id) {
			t.Errorf("%s was not expired", id)
		}
	}
	if first(t, seen, bot.Discord, "m:new") {
		t.Error("a recent id was expired")
	}
}

func TestSeenEventsOneFirstAmongConcurrentCalls(t *testing.T) {
	db := openAt(t, tempPath(t))
	seen := storage.NewSeenEvents(db, nil)
	audit := storage.NewAuditLog(db)
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			if ok, err := seen.First(context.Background(), bot.Slack, "m:C1:1.0"); err != nil {
				t.Error(err)
			} else if ok {
				firsts.Add(1)
			}
			// Commits interleave with the checks.
			if err := audit.Audit(context.Background(), bot.AuditEntry{Action: fmt.Sprint(i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := firsts.Load(); got != 1 {
		t.Errorf("%d of 32 concurrent calls with one id were first, want 1", got)
	}
}

// BenchmarkSeenEvents measures what remembering event ids durably costs per
// event: 64 concurrent handlers that each store a message (Record, grouped
// commits) without and with a First before it, a First of an id already
// committed (a redelivery: one read transaction), and Firsts of new ids
// with no other write (committed by First itself every 4,096 ids).
func BenchmarkSeenEvents(b *testing.B) {
	ctx := context.Background()
	for _, withFirst := range []bool{false, true} {
		name := "record-64-handlers"
		if withFirst {
			name = "first+record-64-handlers"
		}
		b.Run(name, func(b *testing.B) {
			db := openAt(b, tempPath(b))
			l, seen := storage.NewMessageLog(db), storage.NewSeenEvents(db, nil)
			var seq atomic.Int64
			b.SetParallelism(max(1, 64/testingProcs()))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := seq.Add(1)
					if withFirst {
						if ok, err := seen.First(ctx, bot.Discord, fmt.Sprint("m:", i)); err != nil || !ok {
							b.Errorf("First = %v, %v", ok, err)
							return
						}
					}
					if err := l.Record(ctx, benchMsg(i)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			reportRate(b)
		})
	}
	b.Run("first-redelivery", func(b *testing.B) {
		db := openAt(b, tempPath(b))
		seen := storage.NewSeenEvents(db, nil)
		for i := range 10_000 {
			if _, err := seen.First(ctx, bot.Discord, fmt.Sprint("m:", i)); err != nil {
				b.Fatal(err)
			}
		}
		if err := storage.NewAuditLog(db).Audit(ctx, bot.AuditEntry{Action: "commit"}); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := range b.N {
			if ok, err := seen.First(ctx, bot.Discord, fmt.Sprint("m:", i%10_000)); err != nil || ok {
				b.Fatalf("First = %v, %v", ok, err)
			}
		}
		reportRate(b)
	})
	b.Run("first-new-no-other-write", func(b *testing.B) {
		seen := storage.NewSeenEvents(openAt(b, tempPath(b)), nil)
		for i := range b.N {
			if ok, err := seen.First(ctx, bot.Discord, fmt.Sprint("m:", i)); err != nil || !ok {
				b.Fatalf("First = %v, %v", ok, err)
			}
		}
		reportRate(b)
	})
}

// A write transaction that fails rolls back the ids it carried: they stay
// pending and the next commit writes them.
func TestSeenEventsSurviveARolledBackWrite(t *testing.T) {
	ctx := context.Background()
	db := openAt(t, tempPath(t))
	seen := storage.NewSeenEvents(db, nil)
	first(t, seen, bot.Slack, "c:T1")
	refused := errors.New("refused")
	_, err := storage.NewModeration(db).UpdateRule(ctx, bot.Discord, "r", func(*bot.ModRule, bool) (bool, error) { return false, refused })
	if !errors.Is(err, refused) {
		t.Fatalf("UpdateRule = %v, want the refusal", err)
	}
	if first(t, seen, bot.Slack, "c:T1") {
		t.Error("after a rolled-back write the id is first again")
	}
	if err := storage.NewAuditLog(db).Audit(ctx, bot.AuditEntry{Action: "ok"}); err != nil {
		t.Fatal(err)
	}
	crashed := filepath.Join(t.TempDir(), "crashed.db")
	if err := db.Backup(ctx, crashed); err != nil {
		t.Fatal(err)
	}
	if first(t, storage.NewSeenEvents(openAt(t, crashed), nil), bot.Slack, "c:T1") {
		t.Error("the commit after a rolled-back write did not write the id")
	}
}
