package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

// Forget deletes every message of one author across chunk boundaries and
// leaves the others', with their index entries (an edit still finds them).
func TestMessageLogForgetDeletesOneAuthorInChunks(t *testing.T) {
	ctx := context.Background()
	l := storage.NewMessageLog(openAt(t, tempPath(t)))
	bob := bot.UserRef{Platform: bot.Discord, ID: "u2", Name: "bob"}
	var msgs []bot.LoggedMessage
	for i := range 1300 {
		m := msgAt(fmt.Sprint(i), base.Add(time.Duration(i)*time.Second))
		if i%13 != 0 {
			m.Author = bob
		}
		msgs = append(msgs, m)
	}
	if err := l.RecordMany(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	n, err := l.Forget(ctx, bob)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1200 {
		t.Errorf("Forget deleted %d messages, want Bob's 1200", n)
	}
	left := map[string]int{}
	if err := l.Range(ctx, bot.HistoryFilter{}, func(m bot.LoggedMessage) bool { left[m.Author.Name]++; return true }); err != nil {
		t.Fatal(err)
	}
	if left["bob"] != 0 || left["ann"] != 100 {
		t.Errorf("left after Forget: %v, want ann's 100 only", left)
	}
	// Bob's index entries are gone: his edit stores nothing; Ann's still applies.
	edit := msgAt("1", base)
	edit.Author, edit.Text, edit.Edited, edit.EditedAt = bob, "again", true, base.Add(time.Hour)
	annEdit := msgAt("13", base)
	annEdit.Text, annEdit.Edited, annEdit.EditedAt = "edited", true, base.Add(time.Hour)
	for _, m := range []bot.LoggedMessage{edit, annEdit} {
		if err := l.Record(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	texts := map[string]string{}
	_ = l.Range(ctx, bot.HistoryFilter{}, func(m bot.LoggedMessage) bool { texts[m.Ref.ID] = m.Text; return true })
	if _, ok := texts["1"]; ok || texts["13"] != "edited" {
		t.Errorf("after Forget, Bob's edit stored %q and Ann's edit gave %q", texts["1"], texts["13"])
	}
	if n, err := l.Forget(ctx, bob); err != nil || n != 0 {
		t.Errorf("second Forget = %d, %v; want 0", n, err)
	}
}
