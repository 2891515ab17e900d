package storage_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commpilot/commpilot/storage"
)

// benchMsg is a typical community message (about 300 bytes as JSON).
func benchMsg(i int64) storage.Message {
	m := msgAt(fmt.Sprint(i), base.Add(time.Duration(i)*time.Microsecond))
	m.Text = strings.Repeat("Bonjour, ma commande n'est pas arrivée. ", 4)
	return m
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}

// BenchmarkAppend measures durable appends (fsync on every commit, bbolt's
// default) three ways: one transaction per message, concurrent appenders
// grouped by Append (DB.Batch), and AppendMany of 1,000 messages.
func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	b.Run("one-tx-per-message", func(b *testing.B) {
		l := storage.NewMessageLog(openAt(b, tempPath(b)))
		for i := range int64(b.N) {
			if err := l.AppendMany(ctx, []storage.Message{benchMsg(i)}); err != nil {
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
					if err := l.Append(ctx, benchMsg(seq.Add(1))); err != nil {
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
		msgs := make([]storage.Message, 0, 1000)
		flush := func() {
			if err := l.AppendMany(ctx, msgs); err != nil {
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
