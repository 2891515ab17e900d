package storage_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
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
// concurrent recorders grouped by Record (DB.Batch), and RecordMany of 1,000
// messages. (The name is the one the v1 log's Append had, so figures
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
	b.Helper()
	batch := make([]bot.LoggedMessage, 0, 10_000)
	for i := range n {
		m := benchMsg(i)
		m.Time = base.Add(time.Duration(i) * step)
		if batch = append(batch, m); len(batch) == cap(batch) || i == n-1 {
			if err := l.RecordMany(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}
