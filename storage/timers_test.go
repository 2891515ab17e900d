package storage_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/storage"
)

// firing is one call of a timer handler, at the bubble's time.
type firing struct {
	rec bot.TimerRecord
	at  time.Time
}

// recorder is a handler that keeps what it was handed.
type recorder struct {
	mu  sync.Mutex
	got []firing
}

func (r *recorder) handle(_ context.Context, rec bot.TimerRecord) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, firing{rec, time.Now()})
	return nil
}

func (r *recorder) firings() []firing {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]firing(nil), r.got...)
}

func (r *recorder) keys() string {
	var ks []string
	for _, f := range r.firings() {
		ks = append(ks, f.rec.Key)
	}
	return strings.Join(ks, ",")
}

// recordedTimers returns a timer over a new database whose "test" records
// go to the returned recorder.
func recordedTimers(t *testing.T) (*storage.Timers, *recorder) {
	t.Helper()
	tm := storage.NewTimers(openAt(t, tempPath(t)), nil)
	rec := &recorder{}
	tm.Handle("test", rec.handle)
	return tm, rec
}

// run runs tm until the returned stop is called (or the test ends).
func run(t *testing.T, tm *storage.Timers) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tm.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run returned %v after cancel, want nil", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func schedule(t *testing.T, tm *storage.Timers, kind, key string, at time.Time, data string) {
	t.Helper()
	if err := tm.Schedule(context.Background(), bot.TimerRecord{Kind: kind, Key: key, At: at, Data: []byte(data)}); err != nil {
		t.Fatalf("schedule %s/%s: %v", kind, key, err)
	}
}

func TestTimersFireInDueOrderAtTheirTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tm, rec := recordedTimers(t)
		start := time.Now()
		due := map[string]time.Time{"a": start.Add(time.Second), "b": start.Add(2 * time.Second), "c": start.Add(3 * time.Second)}
		for _, k := range []string{"c", "a", "b"} {
			schedule(t, tm, "test", k, due[k], "payload "+k)
		}
		run(t, tm)
		time.Sleep(4 * time.Second)
		got := rec.firings()
		if rec.keys() != "a,b,c" {
			t.Fatalf("fired %q, want a,b,c in due order", rec.keys())
		}
		for _, f := range got {
			if !f.at.Equal(due[f.rec.Key]) || !f.rec.At.Equal(due[f.rec.Key]) || string(f.rec.Data) != "payload "+f.rec.Key || f.rec.Redelivered {
				t.Errorf("%s fired at +%v with %+v, want at +%v with its payload", f.rec.Key, f.at.Sub(start), f.rec, due[f.rec.Key].Sub(start))
			}
		}
	})
}

func TestTimersScheduleReplacesAndCancelRemoves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		tm, rec := recordedTimers(t)
		start := time.Now()
		schedule(t, tm, "test", "moved", start.Add(time.Second), "first")
		schedule(t, tm, "test", "moved", start.Add(3*time.Second), "second")
		schedule(t, tm, "test", "gone", start.Add(2*time.Second), "")
		if ok, err := tm.Cancel(ctx, "test", "gone"); !ok || err != nil {
			t.Fatalf("cancel = %v, %v; want true", ok, err)
		}
		if ok, err := tm.Cancel(ctx, "test", "gone"); ok || err != nil {
			t.Fatalf("second cancel = %v, %v; want false", ok, err)
		}
		run(t, tm)
		time.Sleep(time.Hour)
		got := rec.firings()
		if len(got) != 1 || got[0].rec.Key != "moved" || string(got[0].rec.Data) != "second" || !got[0].at.Equal(start.Add(3*time.Second)) {
			t.Fatalf("fired %+v, want only the replacement of moved, at +3s", got)
		}
	})
}

func TestTimersScheduleRefusesBadRecords(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tm, rec := recordedTimers(t)
		ctx := context.Background()
		for _, c := range []struct {
			r    bot.TimerRecord
			want string
		}{
			{bot.TimerRecord{Key: "1", At: time.Now()}, "kind and key are required"},
			{bot.TimerRecord{Kind: "test", At: time.Now()}, "kind and key are required"},
			{bot.TimerRecord{Kind: "te\x00st", Key: "1", At: time.Now()}, "contains a 0 byte"},
			{bot.TimerRecord{Kind: "test", Key: "1"}, "no due time"},
		} {
			if err := tm.Schedule(ctx, c.r); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Schedule(%+v) = %v, want an error saying %q", c.r, err, c.want)
			}
		}
		run(t, tm)
		time.Sleep(time.Hour)
		if n := len(rec.firings()); n != 0 {
			t.Errorf("%d refused records fired", n)
		}
	})
}

func TestTimersWakeForAnEarlierRecord(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tm, rec := recordedTimers(t)
		start := time.Now()
		schedule(t, tm, "test", "late", start.Add(time.Hour), "")
		run(t, tm)
		synctest.Wait() // the runner sleeps until the hour
		soon := time.Now().Add(time.Second)
		schedule(t, tm, "test", "soon", soon, "")
		time.Sleep(2 * time.Second)
		if got := rec.firings(); len(got) != 1 || got[0].rec.Key != "soon" || !got[0].at.Equal(soon) {
			t.Fatalf("fired %+v, want soon at its time while the runner slept until the hour", got)
		}
		time.Sleep(time.Hour)
		if rec.keys() != "soon,late" {
			t.Errorf("fired %q, want soon,late", rec.keys())
		}
	})
}

func TestTimersSurviveARestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := tempPath(t)
		db := openOwn(t, path, quiet)
		start := time.Now()
		first := storage.NewTimers(db, nil)
		var before recorder
		first.Handle("test", before.handle)
		stop := run(t, first)
		schedule(t, first, "test", "later", start.Add(10*time.Second), "kept")
		stop()
		closeDB(t, db)

		tm := storage.NewTimers(openAt(t, path), nil)
		var rec recorder
		tm.Handle("test", rec.handle)
		run(t, tm)
		time.Sleep(time.Minute)
		if got := rec.firings(); len(got) != 1 || string(got[0].rec.Data) != "kept" || !got[0].at.Equal(start.Add(10*time.Second)) || got[0].rec.Redelivered {
			t.Fatalf("after reopening fired %+v, want the stored record at +10s", got)
		}
		if n := len(before.firings()); n != 0 {
			t.Errorf("the stopped timer fired %d", n)
		}
	})
}

func TestTimersRedeliverWhatAStopLeftInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := tempPath(t)
		db := openOwn(t, path, quiet)
		tm := storage.NewTimers(db, nil)
		started := make(chan bot.TimerRecord, 1)
		tm.Handle("test", func(ctx context.Context, r bot.TimerRecord) error {
			started <- r
			<-ctx.Done() // the process stops while the handler works
			return ctx.Err()
		})
		schedule(t, tm, "test", "k", time.Now().Add(time.Second), "work")
		stop := run(t, tm)
		if r := <-started; r.Redelivered {
			t.Errorf("first hand-out marked redelivered: %+v", r)
		}
		stop()
		closeDB(t, db)

		reopen := func() (*storage.Timers, *recorder, func()) {
			db := openOwn(t, path, quiet)
			tm := storage.NewTimers(db, nil)
			var rec recorder
			tm.Handle("test", rec.handle)
			stop := run(t, tm)
			return tm, &rec, func() { stop(); _ = db.Close() }
		}
		_, rec, stop := reopen()
		synctest.Wait()
		if got := rec.firings(); len(got) != 1 || !got[0].rec.Redelivered || string(got[0].rec.Data) != "work" {
			t.Fatalf("after the restart fired %+v, want the record again, marked redelivered", got)
		}
		stop()
		_, rec, stop = reopen()
		time.Sleep(time.Hour)
		stop()
		if n := len(rec.firings()); n != 0 {
			t.Errorf("a record whose handler finished fired %d more times after another restart", n)
		}
	})
}

func TestTimersRetryAFailedHandlerAfterABackOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bottest.LogBuffer
		db, err := storage.Open(context.Background(), tempPath(t), storage.Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		tm := storage.NewTimers(db, nil)
		var mu sync.Mutex
		var calls []firing
		tm.Handle("test", func(_ context.Context, r bot.TimerRecord) error {
			mu.Lock()
			defer mu.Unlock()
			calls = append(calls, firing{r, time.Now()})
			if len(calls) < 3 {
				return errors.New("platform unreachable")
			}
			return nil
		})
		at := time.Now().Add(time.Second)
		schedule(t, tm, "test", "k", at, "")
		run(t, tm)
		time.Sleep(24 * time.Hour)
		mu.Lock()
		defer mu.Unlock()
		if len(calls) != 3 {
			t.Fatalf("handler called %d times, want 3 (two failures, then success)", len(calls))
		}
		for i, want := range []time.Time{at, at.Add(10 * time.Second), at.Add(30 * time.Second)} {
			if !calls[i].at.Equal(want) || !calls[i].rec.At.Equal(at) {
				t.Errorf("call %d at +%v for At +%v, want at +%v for the original At", i, calls[i].at.Sub(at), calls[i].rec.At.Sub(at), want.Sub(at))
			}
		}
		if !strings.Contains(buf.String(), "platform unreachable") {
			t.Errorf("the failure was not logged: %s", buf.String())
		}
	})
}

func TestTimersKeepRecordsOfAKindWithoutHandler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := tempPath(t)
		var buf bottest.LogBuffer
		db := openOwn(t, path, storage.Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
		tm := storage.NewTimers(db, nil)
		var rec recorder
		tm.Handle("known", rec.handle)
		start := time.Now()
		schedule(t, tm, "future.skill", "1", start.Add(time.Second), "one")
		schedule(t, tm, "future.skill", "2", start.Add(2*time.Second), "two")
		schedule(t, tm, "known", "k", start.Add(3*time.Second), "")
		stop := run(t, tm)
		time.Sleep(time.Minute)
		stop()
		closeDB(t, db)
		if got := rec.firings(); len(got) != 1 || !got[0].at.Equal(start.Add(3*time.Second)) {
			t.Errorf("fired %+v: records without a handler must not hold up the others", got)
		}
		if n := strings.Count(buf.String(), "nobody handles"); n != 1 || !strings.Contains(buf.String(), "future.skill") {
			t.Errorf("logged %d times, want once naming the kind:\n%s", n, buf.String())
		}

		tm = storage.NewTimers(openAt(t, path), nil)
		var later recorder
		tm.Handle("future.skill", later.handle)
		run(t, tm)
		synctest.Wait()
		data := map[string]string{}
		for _, f := range later.firings() {
			data[f.rec.Key] = string(f.rec.Data)
		}
		if len(later.firings()) != 2 || data["1"] != "one" || data["2"] != "two" {
			t.Errorf("a start with the handler fired %+v, want both kept records", later.firings())
		}
	})
}

func TestTimersFireEachRecordExactlyOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := tempPath(t)
		db := openOwn(t, path, quiet)
		tm := storage.NewTimers(db, nil)
		var rec recorder
		tm.Handle("test", rec.handle)
		start := time.Now()
		const n = 300
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { // a third share a due time with another record
				schedule(t, tm, "test", fmt.Sprint(i), start.Add(time.Duration(i%200)*time.Millisecond), "")
			})
		}
		wg.Wait()
		stop := run(t, tm)
		time.Sleep(time.Second)
		stop()
		closeDB(t, db)
		tm = storage.NewTimers(openAt(t, path), nil)
		tm.Handle("test", rec.handle)
		run(t, tm)
		time.Sleep(time.Hour)
		count := map[string]int{}
		for _, f := range rec.firings() {
			count[f.rec.Key]++
		}
		for i := range n {
			if c := count[fmt.Sprint(i)]; c != 1 {
				t.Errorf("record %d fired %d times", i, c)
			}
		}
	})
}

func TestTimersSlowHandlerDoesNotHoldUpOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tm := storage.NewTimers(openAt(t, tempPath(t)), nil)
		release := make(chan struct{})
		var rec recorder
		tm.Handle("slow", func(ctx context.Context, r bot.TimerRecord) error {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil
		})
		tm.Handle("fast", rec.handle)
		start := time.Now()
		schedule(t, tm, "slow", "1", start.Add(time.Second), "")
		schedule(t, tm, "fast", "2", start.Add(2*time.Second), "")
		run(t, tm)
		time.Sleep(time.Minute)
		if got := rec.firings(); len(got) != 1 || !got[0].at.Equal(start.Add(2*time.Second)) {
			t.Errorf("while a slow handler runs, fired %+v; want the fast record on time", got)
		}
		close(release)
	})
}

func TestTimersRescheduledDuringItsHandlerKeepsTheNewRecord(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tm := storage.NewTimers(openAt(t, tempPath(t)), nil)
		var mu sync.Mutex
		var calls []firing
		tm.Handle("daily", func(ctx context.Context, r bot.TimerRecord) error {
			mu.Lock()
			calls = append(calls, firing{r, time.Now()})
			n := len(calls)
			mu.Unlock()
			if n < 3 {
				next := r
				next.At = r.At.Add(24 * time.Hour)
				if err := tm.Schedule(ctx, next); err != nil {
					return err
				}
			}
			if n == 2 {
				return errors.New("failed after rescheduling") // the new record wins over a retry
			}
			return nil
		})
		at := time.Now().Add(time.Second)
		schedule(t, tm, "daily", "purge", at, "")
		run(t, tm)
		time.Sleep(5 * 24 * time.Hour)
		mu.Lock()
		defer mu.Unlock()
		if len(calls) != 3 {
			t.Fatalf("handler called %d times, want 3", len(calls))
		}
		for i, c := range calls {
			if want := at.Add(time.Duration(i) * 24 * time.Hour); !c.at.Equal(want) {
				t.Errorf("occurrence %d at +%v, want +%v", i, c.at.Sub(at), want.Sub(at))
			}
		}
	})
}

func TestEveryRunsAtStartThenEveryPeriodAcrossRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := tempPath(t)
		ctx := context.Background()
		var mu sync.Mutex
		var runs []time.Time
		task := func(_ context.Context, now time.Time) error {
			mu.Lock()
			defer mu.Unlock()
			runs = append(runs, now)
			if len(runs) == 2 {
				return errors.New("disk busy") // retried after the back-off
			}
			return nil
		}
		db := openOwn(t, path, quiet)
		tm := storage.NewTimers(db, nil)
		start := bot.Every(tm, nil, "test.purge", 24*time.Hour, task)
		stop := run(t, tm)
		if err := start(ctx); err != nil {
			t.Fatal(err)
		}
		begin := time.Now() // once the first run's record is committed
		time.Sleep(36 * time.Hour)
		stop()
		closeDB(t, db)
		time.Sleep(24 * time.Hour) // the bot is down: the next run waits for it
		tm = storage.NewTimers(openAt(t, path), nil)
		bot.Every(tm, nil, "test.purge", 24*time.Hour, task)
		run(t, tm)
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		want := []time.Duration{0, 24 * time.Hour, 24*time.Hour + 10*time.Second, 60 * time.Hour}
		if len(runs) != len(want) {
			t.Fatalf("ran at %v, want at %v after the start", runs, want)
		}
		for i, w := range want {
			if got := runs[i].Sub(begin); got != w {
				t.Errorf("run %d at +%v, want +%v", i, got, w)
			}
		}
	})
}

// benchPending is how many pending records the benchmarks keep stored.
const benchPending = 100_000

// fillTimers stores n records of kind "bench.later", due in a year or more,
// from 64 concurrent schedulers (their commits are shared).
func fillTimers(b *testing.B, tm *storage.Timers, n int) {
	b.Helper()
	far := time.Now().Add(365 * 24 * time.Hour)
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 64 {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				r := bot.TimerRecord{Kind: "bench.later", Key: fmt.Sprint(i), At: far.Add(time.Duration(i) * time.Second), Data: []byte(`{"id":42}`)}
				if err := tm.Schedule(context.Background(), r); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkTimersSchedule measures durable Schedule calls (fsync on every
// commit) into a store already holding 100,000 pending records: one caller
// at a time, and 64 concurrent callers sharing commits.
func BenchmarkTimersSchedule(b *testing.B) {
	for _, callers := range []int{1, 64} {
		b.Run(fmt.Sprintf("callers-%d", callers), func(b *testing.B) {
			tm := storage.NewTimers(openAt(b, tempPath(b)), nil)
			fillTimers(b, tm, benchPending)
			at := time.Now().Add(time.Hour)
			var seq atomic.Int64
			b.SetParallelism(max(1, callers/testingProcs()))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := seq.Add(1)
					if err := tm.Schedule(context.Background(), bot.TimerRecord{Kind: "bench", Key: fmt.Sprint(i), At: at.Add(time.Duration(i))}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkTimersStartToFirstFire measures, with 100,000 pending records
// stored, the time from opening the database to the first handler call of
// a record already due: Open, NewTimers, Run's restore and first claim.
func BenchmarkTimersStartToFirstFire(b *testing.B) {
	path := tempPath(b)
	db := openOwn(b, path, quiet)
	fillTimers(b, storage.NewTimers(db, nil), benchPending)
	closeDB(b, db)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		db := openOwn(b, path, quiet)
		tm := storage.NewTimers(db, nil)
		if err := tm.Schedule(context.Background(), bot.TimerRecord{Kind: "bench.due", Key: "1", At: time.Now()}); err != nil {
			b.Fatal(err)
		}
		closeDB(b, db)
		b.StartTimer()
		db = openOwn(b, path, quiet)
		tm = storage.NewTimers(db, nil)
		fired := make(chan struct{}, 1)
		tm.Handle("bench.due", func(context.Context, bot.TimerRecord) error { fired <- struct{}{}; return nil })
		tm.Handle("bench.later", func(context.Context, bot.TimerRecord) error { return nil })
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- tm.Run(ctx) }()
		<-fired
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		closeDB(b, db)
		b.StartTimer()
	}
}

// BenchmarkTimersBurstLateness measures, in real time, how late the
// handlers of a burst of 10,000 records due at the same instant start, with
// 100,000 other records pending (p50, p99 and the last of the burst); the
// handlers do nothing, so this is the timer's own hand-out rate: one
// transaction per 64 records claimed, done marks sharing commits.
func BenchmarkTimersBurstLateness(b *testing.B) {
	const burst = 10_000
	tm := storage.NewTimers(openAt(b, tempPath(b)), nil)
	fillTimers(b, tm, benchPending)
	var (
		mu   sync.Mutex
		late []time.Duration
		all  = make(chan struct{}, 1)
	)
	tm.Handle("bench.burst", func(_ context.Context, r bot.TimerRecord) error {
		d := time.Since(r.At)
		mu.Lock()
		defer mu.Unlock()
		late = append(late, d)
		if len(late) == burst {
			all <- struct{}{}
		}
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tm.Run(ctx) }()
	var lats []time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		mu.Lock()
		late = late[:0]
		mu.Unlock()
		at := time.Now().Add(2 * time.Second)
		var wg sync.WaitGroup
		var next atomic.Int64
		for range 64 {
			wg.Go(func() {
				for k := next.Add(1); k <= burst; k = next.Add(1) {
					if err := tm.Schedule(ctx, bot.TimerRecord{Kind: "bench.burst", Key: fmt.Sprint(i, "/", k), At: at}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if time.Now().After(at) {
			b.Fatal("scheduling the burst took longer than its lead time")
		}
		b.StartTimer()
		<-all
		mu.Lock()
		lats = append(lats, late...)
		mu.Unlock()
	}
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	slices.Sort(lats)
	pct := func(p float64) float64 { return float64(lats[int(p*float64(len(lats)-1))]) / 1e6 }
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
}

// openOwn opens the database at path for a test that closes it itself, to
// reopen it as a restarted process would.
func openOwn(tb testing.TB, path string, opts storage.Options) *storage.DB {
	tb.Helper()
	db, err := storage.Open(context.Background(), path, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

func closeDB(tb testing.TB, db *storage.DB) {
	tb.Helper()
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
}
