package schedule_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/skills/schedule"
	"github.com/commpilot/commpilot/storage"
)

// The benchmarks' database: 100,000 pending posts, 10,000 of them recurring,
// all armed on the timer, none due within a day.
const (
	benchPosts     = 100_000
	benchRecurring = 10_000
)

var (
	seedOnce sync.Once
	seedPath string
	seedErr  error
)

// benchDB copies the seeded database (built once per process) into a fresh
// file and returns its path.
func benchDB(b *testing.B) string {
	b.Helper()
	seedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "schedule-bench")
		if err != nil {
			seedErr = err
			return
		}
		seedPath = filepath.Join(dir, "seed.db")
		seedErr = seed(seedPath)
	})
	if seedErr != nil {
		b.Fatal(seedErr)
	}
	path := filepath.Join(b.TempDir(), "commpilot.db")
	if err := copyFile(seedPath, path); err != nil {
		b.Fatal(err)
	}
	return path
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// seed stores the posts the way the skill does (AddPost, then the timer
// record, then the occurrence marked armed), 64 callers at a time.
func seed(path string) error {
	ctx := context.Background()
	db, err := storage.Open(ctx, path, storage.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer db.Close()
	store, timers := storage.NewSchedule(db), storage.NewTimers(db, nil)
	paris, _ := time.LoadLocation("Europe/Paris")
	ch := bot.ChannelRef{Platform: bot.Discord, ID: "300000000000000001"}
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		first atomic.Value
	)
	for range 64 {
		wg.Go(func() {
			for i := next.Add(1); i <= benchPosts; i = next.Add(1) {
				rule := bot.PostRule{Kind: bot.RuleOnce, At: start.Add(time.Duration(i) * time.Minute).UTC()}
				if i <= benchRecurring {
					rule = bot.PostRule{Kind: bot.RuleWeekly, Weekdays: []time.Weekday{time.Weekday(i % 7)}, Hour: int(i % 24), Minute: int(i % 60)}
				}
				at := schedule.Next(rule, start, paris)
				p, err := store.AddPost(ctx, func(p *bot.ScheduledPost) error {
					*p = bot.ScheduledPost{ID: p.ID, Channel: ch, Text: "Weekly thread " + strconv.FormatInt(i, 10) + ": what are you building this week?",
						When: "bench", Rule: rule, Zone: "Europe/Paris", Author: alice, Created: time.Now(), Version: 1,
						Approval: bot.ApprovalNone, Next: at}
					return nil
				})
				if err == nil {
					err = timers.Schedule(ctx, bot.TimerRecord{Kind: "schedule.post", Key: fmt.Sprintf("%d@%s", p.ID, at.UTC().Format(time.RFC3339)), At: at})
				}
				if err == nil {
					_, _, err = store.UpdateOccurrence(ctx, p.ID, at, func(_ *bot.ScheduledPost, o *bot.Occurrence) error {
						o.Armed = true
						return nil
					})
				}
				if err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := first.Load().(error); err != nil {
		return err
	}
	return nil
}

// running is the skill and the timer over one database, sending through fn.
type running struct {
	db     *storage.DB
	store  *storage.Schedule
	timers *storage.Timers
	cancel func()
	wg     sync.WaitGroup
}

func run(b *testing.B, path string, send bot.SenderFunc) *running {
	b.Helper()
	db, err := storage.Open(context.Background(), path, storage.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	settings := storage.NewSettings(db, bot.Settings{TeamChannel: team, Timezone: "Europe/Paris"})
	timers := storage.NewTimers(db, nil)
	r := &running{db: db, store: storage.NewSchedule(db), timers: timers}
	skill := schedule.New(schedule.Config{Store: r.store, Settings: settings, Options: storage.NewSkillSettings(db),
		Timers: timers, Audit: storage.NewAuditLog(db), Sender: send, Catalog: bot.NewCatalog(schedule.Messages()),
		Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	for _, rn := range []bot.Runner{timers, skill} {
		r.wg.Go(func() { _ = rn.Run(ctx) })
	}
	return r
}

func (r *running) stop() { r.cancel(); r.wg.Wait(); r.db.Close() }

// addDue stores a one-off post due at at, unarmed: the next start arms it.
func addDue(b *testing.B, path string, at time.Time) {
	b.Helper()
	db, err := storage.Open(context.Background(), path, storage.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ch := bot.ChannelRef{Platform: bot.Discord, ID: "300000000000000001"}
	if _, err := storage.NewSchedule(db).AddPost(context.Background(), func(p *bot.ScheduledPost) error {
		*p = bot.ScheduledPost{ID: p.ID, Channel: ch, Text: "due", Rule: bot.PostRule{Kind: bot.RuleOnce, At: at},
			Zone: "UTC", Version: 1, Approval: bot.ApprovalNone, Next: at}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStartToFirstPost measures, with 100,000 pending posts, the time
// from opening the database to the first post sent: Open, the timer's and
// the skill's start-up checks, and the send of a post already due.
func BenchmarkStartToFirstPost(b *testing.B) {
	path := benchDB(b)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		addDue(b, path, time.Now().Truncate(time.Second))
		sent := make(chan struct{}, 1)
		b.StartTimer()
		r := run(b, path, func(_ context.Context, a bot.Action) (bot.MessageRef, error) {
			if a.Text == "due" {
				sent <- struct{}{}
			}
			return bot.MessageRef{Channel: a.Channel, ID: "m"}, nil
		})
		<-sent
		b.StopTimer()
		r.stop()
		b.StartTimer()
	}
}

// BenchmarkFiringLateness measures how late posts go out (send time minus
// due time) with 100,000 pending posts, when a burst of posts falls due at
// the same minute (every recurring "monday 09:00" post of a team). Each
// post is one fire transaction, the send, and one outcome transaction;
// recurring ones also arm their next occurrence.
func BenchmarkFiringLateness(b *testing.B) {
	for _, burst := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("burst-%d", burst), func(b *testing.B) {
			path := benchDB(b)
			var (
				mu   sync.Mutex
				due  = map[string]time.Time{}
				late []time.Duration
				all  = make(chan struct{}, 1)
			)
			r := run(b, path, func(_ context.Context, a bot.Action) (bot.MessageRef, error) {
				now := time.Now()
				mu.Lock()
				defer mu.Unlock()
				if at, ok := due[a.Text]; ok {
					late = append(late, now.Sub(at))
					if len(late)%burst == 0 {
						all <- struct{}{}
					}
				}
				return bot.MessageRef{Channel: a.Channel, ID: "m"}, nil
			})
			defer r.stop()
			ch := bot.ChannelRef{Platform: bot.Discord, ID: "300000000000000001"}
			timers := r.timers
			b.ResetTimer()
			for n := range b.N {
				b.StopTimer()
				at := time.Now().Add(3 * time.Second).Truncate(time.Second)
				var wg sync.WaitGroup
				var next atomic.Int64
				for range 32 {
					wg.Go(func() {
						for i := next.Add(1); i <= int64(burst); i = next.Add(1) {
							text := fmt.Sprintf("burst %d/%d", n, i)
							mu.Lock()
							due[text] = at
							mu.Unlock()
							p, err := r.store.AddPost(context.Background(), func(p *bot.ScheduledPost) error {
								*p = bot.ScheduledPost{ID: p.ID, Channel: ch, Text: text, Rule: bot.PostRule{Kind: bot.RuleOnce, At: at},
									Zone: "UTC", Version: 1, Approval: bot.ApprovalNone, Next: at}
								return nil
							})
							if err == nil {
								err = timers.Schedule(context.Background(), bot.TimerRecord{Kind: "schedule.post",
									Key: fmt.Sprintf("%d@%s", p.ID, at.UTC().Format(time.RFC3339)), At: at})
							}
							if err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				if time.Now().After(at) {
					b.Fatal("storing the burst took longer than its lead time")
				}
				b.StartTimer()
				<-all
			}
			b.StopTimer()
			mu.Lock()
			lats := slices.Clone(late)
			mu.Unlock()
			slices.Sort(lats)
			pct := func(p float64) float64 { return float64(lats[int(p*float64(len(lats)-1))]) / 1e6 }
			b.ReportMetric(pct(0.5), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(pct(1), "max-ms")
		})
	}
}

// BenchmarkMemoryHeld reports the Go heap the skill and the timer hold with
// 100,000 pending posts once started (the posts live in the bbolt file,
// mapped by the kernel, not on the heap), and the size of that file.
func BenchmarkMemoryHeld(b *testing.B) {
	path := benchDB(b)
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r := run(b, path, func(context.Context, bot.Action) (bot.MessageRef, error) { return bot.MessageRef{}, nil })
		posts, err := r.store.Attention(context.Background()) // one read through the store, as at start
		if err != nil || len(posts) != 0 {
			b.Fatalf("attention %d, %v", len(posts), err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "heap-MiB")
		r.stop()
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size())/(1<<20), "file-MiB")
}
