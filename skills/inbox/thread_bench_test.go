package inbox_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/skills/inbox"
	"github.com/commpilot/commpilot/storage"
)

// BenchmarkThread1000 measures a 1,000-reply thread on one item, replies
// arriving back to back: the bytes its commits wrote (bbolt's allocated
// page bytes), the drafts made and the card edits, per thread. Real bbolt,
// offline drafter, the default 2 s quiet period.
func BenchmarkThread1000(b *testing.B) {
	const replies = 1000
	var bytes, drafts, edits float64
	for range b.N {
		b.StopTimer()
		counter := &countingDrafter{}
		db := openDB(b)
		f := startInbox(b, db, settings(), func(c *inbox.Config) { c.Drafter, c.Quiet = counter, 2*time.Second })
		first := bot.MessageRef{Channel: community, ID: "5000000000000000"}
		f.Send(b, bot.Event{Kind: bot.EventMessage, Message: first, User: member, Text: "My Acme order never arrived", Time: time.Now()})
		f.settle(b)
		before, d0, e0 := pageBytes(db), counter.n.Load(), len(f.Slack.Of(bot.ActUpdate))
		b.StartTimer()
		for i := range replies {
			f.Send(b, bot.Event{Kind: bot.EventMessage, User: member, Text: fmt.Sprintf("hello?? still nothing (%d)", i),
				Message: bot.MessageRef{Channel: community, ID: fmt.Sprintf("6%015d", i)}, ReplyTo: first, Time: time.Now()})
		}
		f.settle(b)
		b.StopTimer()
		bytes += float64(pageBytes(db) - before)
		drafts += float64(counter.n.Load() - d0)
		edits += float64(len(f.Slack.Of(bot.ActUpdate)) - e0)
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(bytes/n/1e6, "MB-written")
	b.ReportMetric(drafts/n, "drafts")
	b.ReportMetric(edits/n, "card-edits")
}

// pageBytes is the bytes of the pages db's write transactions allocated.
func pageBytes(db *storage.DB) int64 {
	st := db.Bolt().Stats()
	return st.TxStats.GetPageAlloc()
}
