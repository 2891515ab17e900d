package storage_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

// benchMsg is a typical community message (about 300 bytes as JSON).
func benchMsg(i int64) bot.LoggedMessage {
	m := msgAt(fmt.Sprint(i), base.Add(time.Duration(i)*time.Microsecond))
	m.Text = strings.Repeat("Bonjour, ma commande n'est pas arrivée. ", 4)
	return m
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}

// BenchmarkAppend measures durable records of new messages (fsync on every
// commit, bbolt's default) three ways: one transaction per message,
// concurrent recorders grouped by the ingest writer (timed until the
// last one is committed), and RecordMany of 1,000 messages. (The name is the one the v1 log's Append had, so figures
// compare across releases.)
func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	b.Run("one-tx-per-message", func(b *testing.B) {
		l := storage.NewMessageLog(openAt(b, tempPath(b)))
		for i := range int64(b.N) {
			if err := l.RecordMany(ctx, []bot.LoggedMessage{benchMsg(i)}); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b)
	})
	for _, appenders := range []int{64, 512} {
		b.Run(fmt.Sprintf("grouped-%d-appenders", appenders), func(b *testing.B) {
			l := storage.NewMessageLog(openAt(b, tempPath(b)))
			var seq atomic.Int64
			b.SetParallelism(max(1, appenders/testingProcs()))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := l.Record(ctx, benchMsg(seq.Add(1))); err != nil {
						b.Error(err)
						return
					}
				}
			})
			if err := l.RecordMany(ctx, nil); err != nil { // waits for every queued record's commit
				b.Fatal(err)
			}
			reportRate(b)
		})
	}
	b.Run("AppendMany-1000", func(b *testing.B) {
		l := storage.NewMessageLog(openAt(b, tempPath(b)))
		msgs := make([]bot.LoggedMessage, 0, 1000)
		flush := func() {
			if err := l.RecordMany(ctx, msgs); err != nil {
				b.Fatal(err)
			}
			msgs = msgs[:0]
		}
		for i := range int64(b.N) {
			if msgs = append(msgs, benchMsg(i)); len(msgs) == cap(msgs) {
				flush()
			}
		}
		flush()
		reportRate(b)
	})
}

func testingProcs() int { return runtime.GOMAXPROCS(0) }

// BenchmarkEditByIndex measures a durable edit of a random message of a log
// of 100,000: the index finds it without a scan.
func BenchmarkEditByIndex(b *testing.B) {
	ctx := context.Background()
	l := storage.NewMessageLog(openAt(b, tempPath(b)))
	const n = 100_000
	seed(b, l, n, time.Microsecond)
	b.ResetTimer()
	for i := range int64(b.N) {
		m := benchMsg(i * 7919 % n)
		m.Text, m.Edited, m.EditedAt = "edited", true, base.Add(time.Duration(i)*time.Second)
		if err := l.Record(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

// BenchmarkRangeWindow reads one hour (3,600 messages) out of a log of
// 100,000 posted a second apart: the seek skips the 50,000 before the
// window and the scan stops at its end.
func BenchmarkRangeWindow(b *testing.B) {
	ctx := context.Background()
	l := storage.NewMessageLog(openAt(b, tempPath(b)))
	const n = 100_000
	seed(b, l, n, time.Second)
	from := base.Add(50_000 * time.Second)
	f := bot.HistoryFilter{From: from, To: from.Add(time.Hour)}
	b.ResetTimer()
	for range b.N {
		got := 0
		if err := l.Range(ctx, f, func(bot.LoggedMessage) bool { got++; return true }); err != nil {
			b.Fatal(err)
		}
		if got != 3600 {
			b.Fatalf("range saw %d messages, want 3600", got)
		}
	}
	b.ReportMetric(float64(b.N*3600)/b.Elapsed().Seconds(), "msg/s")
}

// seed records n bench messages step apart, in transactions of 10,000.
func seed(b testing.TB, l *storage.MessageLog, n int64, step time.Duration) {
	seedWith(b, l, n, step, benchMsg)
}

// seedWith records the n messages msg(0)… step apart, in transactions of
// 10,000.
func seedWith(b testing.TB, l *storage.MessageLog, n int64, step time.Duration, msg func(int64) bot.LoggedMessage) {
	b.Helper()
	batch := make([]bot.LoggedMessage, 0, 10_000)
	for i := range n {
		m := msg(i)
		m.Time = base.Add(time.Duration(i) * step)
		if batch = append(batch, m); len(batch) == cap(batch) || i == n-1 {
			if err := l.RecordMany(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

// BenchmarkLongLivedLog compares the two layouts of a file (old: bbolt's
// array freelist written by every commit and half-filled pages, the
// releases before v0.11; new: no freelist on disk, the map freelist, dense
// appends) over a log of 1,000,000 messages: opening it, purging it all
// while a writer keeps committing, one-message commits on a fresh file and
// on the purged one, paired, and compacting the purged file. It writes
// about 3 GB to the temporary directory and takes minutes: run it alone,
// with -bench LongLivedLog (docs/storage.md).
func BenchmarkLongLivedLog(b *testing.B) {
	const n = 1_000_000
	for _, layout := range []string{"old", "new"} {
		b.Run(layout, func(b *testing.B) {
			opts := quiet
			if layout == "old" {
				var restore func()
				opts, restore = storage.LegacyLayout(quiet)
				defer restore()
			}
			dir := b.TempDir()
			live := filepath.Join(dir, "live.db")
			db, err := storage.Open(context.Background(), live, opts)
			if err != nil {
				b.Fatal(err)
			}
			seedWith(b, storage.NewMessageLog(db), n, time.Microsecond, serverMsg)
			if err := db.Close(); err != nil {
				b.Fatal(err)
			}
			purged := filepath.Join(dir, "purged.db")
			b.Run("open-1M", func(b *testing.B) {
				for b.Loop() {
					db, err := storage.Open(context.Background(), live, opts)
					if err != nil {
						b.Fatal(err)
					}
					if err := db.Close(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(fileMB(b, live), "file-MB")
			})
			b.Run("open-1M-cold", func(b *testing.B) {
				for range b.N {
					b.StopTimer()
					evict(b, live)
					b.StartTimer()
					db, err := storage.Open(context.Background(), live, opts)
					if err != nil {
						b.Fatal(err)
					}
					if err := db.Close(); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("purge-1M", func(b *testing.B) {
				var waits []time.Duration
				for range b.N {
					b.StopTimer()
					copyFile(b, live, purged)
					db, err := storage.Open(context.Background(), purged, opts)
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					waits = append(waits, purgeWhileWriting(b, storage.NewMessageLog(db), base.Add(n*time.Microsecond))...)
					b.StopTimer()
					if err := db.Close(); err != nil {
						b.Fatal(err)
					}
				}
				slices.Sort(waits)
				b.ReportMetric(ms(waits[len(waits)/2]), "commit-p50-ms")
				b.ReportMetric(ms(waits[len(waits)*99/100]), "commit-p99-ms")
				b.ReportMetric(ms(waits[len(waits)-1]), "commit-max-ms")
				b.ReportMetric(fileMB(b, purged), "file-MB")
			})
			b.Run("commit-fresh-vs-purged", func(b *testing.B) {
				fresh, err := storage.Open(context.Background(), filepath.Join(b.TempDir(), "fresh.db"), opts)
				if err != nil {
					b.Fatal(err)
				}
				defer fresh.Close()
				old, err := storage.Open(context.Background(), purged, opts)
				if err != nil {
					b.Fatal(err)
				}
				defer old.Close()
				logs := [2]*storage.MessageLog{storage.NewMessageLog(fresh), storage.NewMessageLog(old)}
				var took [2][]time.Duration
				i := int64(2 * n)
				for b.Loop() {
					for j, l := range logs { // paired: one commit on each file in turn
						i++
						start := time.Now()
						if err := l.RecordMany(context.Background(), []bot.LoggedMessage{serverMsg(i)}); err != nil {
							b.Fatal(err)
						}
						took[j] = append(took[j], time.Since(start))
					}
				}
				f, p := median(took[0]), median(took[1])
				b.ReportMetric(ms(f), "fresh-p50-ms")
				b.ReportMetric(ms(p), "purged-p50-ms")
				b.ReportMetric(float64(p)/float64(f), "purged/fresh")
			})
			b.Run("compact-purged", func(b *testing.B) {
				compactBench(b, purged, filepath.Join(dir, "compact.db"), opts)
			})
			b.Run("compact-1M", func(b *testing.B) {
				compactBench(b, live, filepath.Join(dir, "compact.db"), opts)
			})
		})
	}
}

// serverMsg is message i of a busy server: benchMsg in one of 20 channels,
// with an id that grows with time like Discord's snowflakes.
func serverMsg(i int64) bot.LoggedMessage {
	m := benchMsg(i)
	m.Ref.Channel.ID = strconv.FormatInt(300+i%20, 10)
	m.Ref.ID = strconv.FormatInt(1_300_000_000_000_000_000+i, 10)
	return m
}

// purgeWhileWriting purges l before cut while one writer commits one new
// message at a time, and returns how long each of the writer's commits
// took.
func purgeWhileWriting(b *testing.B, l *storage.MessageLog, cut time.Time) []time.Duration {
	ctx, stop := context.WithCancel(context.Background())
	var waits []time.Duration
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := int64(1 << 40); ctx.Err() == nil; i++ {
			start := time.Now()
			if err := l.RecordMany(context.Background(), []bot.LoggedMessage{serverMsg(i)}); err != nil {
				b.Error(err)
				return
			}
			waits = append(waits, time.Since(start))
		}
	})
	_, err := l.Purge(context.Background(), cut)
	stop()
	wg.Wait()
	if err != nil {
		b.Fatal(err)
	}
	return waits
}

// compactBench compacts from into out, and reports the size of the copy
// and the records copied.
func compactBench(b *testing.B, from, out string, opts storage.Options) {
	var p storage.CompactProgress
	for b.Loop() {
		_ = os.Remove(out)
		if _, err := storage.Compact(context.Background(), from, out, opts, func(q storage.CompactProgress) { p = q }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(fileMB(b, out), "file-MB")
	b.ReportMetric(float64(p.TotalKeys), "records")
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fileMB(b *testing.B, path string) float64 {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return float64(fi.Size()) / 1e6
}

func copyFile(b *testing.B, from, to string) {
	src, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		b.Fatal(err)
	}
	// Synced, so that writing the copy back is not charged to the purge.
	if err := dst.Sync(); err != nil {
		b.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		b.Fatal(err)
	}
}
