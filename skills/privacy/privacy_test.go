package privacy_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/skills/privacy"
	"github.com/commpilot/commpilot/storage"
)

var (
	bob    = bot.UserRef{Platform: bot.Discord, ID: "200000000000000002", Name: "bob"}
	ann    = bot.UserRef{Platform: bot.Discord, ID: "300000000000000003", Name: "ann"}
	ch     = bot.ChannelRef{Platform: bot.Discord, ID: "400000000000000004"}
	posted = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
)

const secret = "my address is 12 rue des Lilas"

// world is the skill on an engine over a real bbolt file, with Bob's and
// Ann's words in the message log, the inbox and the moderation cases.
type world struct {
	env      *bottest.Env
	db       *storage.DB
	messages *storage.MessageLog
	items    *storage.Inbox
	cases    *storage.Moderation
	audit    *storage.AuditLog
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "commpilot.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w := &world{db: db, messages: storage.NewMessageLog(db), items: storage.NewInbox(db),
		cases: storage.NewModeration(db), audit: storage.NewAuditLog(db)}
	for i, who := range []bot.UserRef{bob, ann, bob, bob} {
		m := bot.LoggedMessage{Ref: bot.MessageRef{Channel: ch, ID: string(rune('a' + i))}, Author: who,
			Text: who.Name + ": " + secret, Time: posted.Add(time.Duration(i) * time.Minute)}
		if err := w.messages.Record(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for i, who := range []bot.UserRef{bob, ann} {
		keys := []string{"conv-" + who.ID}
		_, err := w.items.Conversation(ctx, keys, func(it *bot.Item, isNew bool) error {
			it.Author, it.State, it.Draft = who, bot.ItemDrafted, "Sorry to hear that, we will look into it."
			it.Messages = []bot.ItemMessage{{Ref: bot.MessageRef{Channel: ch, ID: string(rune('a' + i))}, Text: secret, Time: posted}}
			it.Triage.Cues = []string{"rue des Lilas"}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, who := range []bot.UserRef{bob, bob, ann} {
		c := bot.ModCase{Time: posted, Platform: bot.Discord, Member: who, Rule: "no-doxxing", Actions: []string{"delete"},
			Excerpt: secret, Strikes: 1}
		if _, _, err := w.cases.AddCase(ctx, c, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	skill := privacy.New(privacy.Config{Messages: w.messages, Items: w.items, Cases: w.cases,
		Settings: bottest.NewMemSettings(bot.Settings{Staff: []string{bottest.Staff.Key()}}), Audit: w.audit,
		Catalog: bot.NewCatalog(privacy.Messages())})
	w.env = bottest.MustEngine(t, nil, bot.NewCatalog(privacy.Messages()), skill)
	return w
}

// words lists every stored text that holds the secret, by owner.
func (w *world) words(t *testing.T) map[string]int {
	t.Helper()
	ctx := context.Background()
	out := map[string]int{}
	err := w.messages.Range(ctx, bot.HistoryFilter{}, func(m bot.LoggedMessage) bool {
		if strings.Contains(m.Text, secret) {
			out["message "+m.Author.Name]++
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	items, err := w.items.Items(ctx, func(*bot.Item) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if strings.Contains(it.First().Text, secret) || len(it.Triage.Cues) > 0 {
			out["item "+it.Author.Name]++
		}
	}
	cases, err := w.cases.Cases(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.Excerpt != "" {
			out["case "+c.Member.Name]++
		}
	}
	return out
}

func TestForgetErasesTheMembersWordsEverywhereAndAuditsWithoutThem(t *testing.T) {
	w := newWorld(t)
	before := w.words(t)

	// A member cannot: refused, nothing changes.
	if got := bottest.ReplyText(w.env.Command(t, bottest.Member, "privacy forget discord:"+bob.ID)); !strings.Contains(got, "Only staff") {
		t.Errorf("member's forget answered %q", got)
	}
	if got := w.words(t); len(got) != len(before) || got["message bob"] != 3 {
		t.Fatalf("a refused forget changed the stored words: %v, was %v", got, before)
	}

	got := bottest.ReplyText(w.env.Command(t, bottest.Staff, "privacy forget discord:"+bob.ID))
	for _, want := range []string{"Stored messages deleted: 3", "Inbox items cleared of their text: 1", "Moderation case excerpts removed: 2"} {
		if !strings.Contains(got, want) {
			t.Errorf("answer %q does not say %q", got, want)
		}
	}
	left := w.words(t)
	want := map[string]int{"message ann": 1, "item ann": 1, "case ann": 1}
	if len(left) != len(want) {
		t.Errorf("stored words after forgetting Bob: %v, want Ann's only: %v", left, want)
	}
	for k, n := range want {
		if left[k] != n {
			t.Errorf("%s: %d stored, want %d (all: %v)", k, left[k], n, left)
		}
	}
	// Bob's messages are gone, not just emptied; his cases and item stay.
	n := 0
	_ = w.messages.Range(context.Background(), bot.HistoryFilter{Author: bob.Key()}, func(bot.LoggedMessage) bool { n++; return true })
	if n != 0 {
		t.Errorf("%d of Bob's messages are still stored", n)
	}
	if cs, _ := w.cases.Cases(context.Background(), bob.Key(), 10); len(cs) != 2 || cs[0].Actions[0] != "delete" {
		t.Errorf("Bob's cases after forget: %+v, want both kept without excerpts", cs)
	}

	entries, err := w.audit.List(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("audit entries %+v, want one", entries)
	}
	e := entries[0]
	if e.Action != "privacy.forget" || e.Target != bob.Key() || e.Actor.Key() != bottest.Staff.Key() ||
		!strings.Contains(e.Detail, "3") || strings.Contains(e.Detail+e.Target, "Lilas") {
		t.Errorf("audit entry %+v: want who asked, Bob's id and the counts, without the content", e)
	}

	// Again: nothing left to erase.
	again := bottest.ReplyText(w.env.Command(t, bottest.Staff, "privacy forget discord:"+bob.ID))
	if !strings.Contains(again, "Stored messages deleted: 0") || !strings.Contains(again, "removed: 0") {
		t.Errorf("second forget answered %q", again)
	}
}

func TestForgetRefusesWhatIsNotAMember(t *testing.T) {
	w := newWorld(t)
	got := bottest.ReplyText(w.env.Command(t, bottest.Staff, "privacy forget everyone"))
	if got == "" || strings.Contains(got, "forgotten") {
		t.Errorf("forget of %q answered %q", "everyone", got)
	}
	if left := w.words(t); left["message bob"] != 3 {
		t.Errorf("a refused forget changed the stored words: %v", left)
	}
}
