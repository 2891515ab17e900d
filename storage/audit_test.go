package storage_test

import (
	"context"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

func TestAuditListNewestFirst(t *testing.T) {
	ctx := context.Background()
	a := storage.NewAuditLog(openAt(t, tempPath(t)))
	alice := bot.UserRef{Platform: bot.Slack, ID: "UA", Name: "alice"}
	for _, action := range []string{"setup.brand", "inbox.approve", "rule.add"} {
		if err := a.Audit(ctx, bot.AuditEntry{Actor: alice, Action: action, Target: "42"}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := a.List(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Action != "rule.add" || got[1].Action != "inbox.approve" {
		t.Fatalf("List(2) = %+v, want rule.add then inbox.approve", got)
	}
	if got[0].Actor.Name != "alice" || got[0].Target != "42" || got[0].Time.IsZero() {
		t.Errorf("entry = %+v, want actor alice, target 42 and a time", got[0])
	}
	if every, _ := a.List(ctx, 0); len(every) != 3 {
		t.Errorf("List(0) returned %d entries, want 3", len(every))
	}
}
