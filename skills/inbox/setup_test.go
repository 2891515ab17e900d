package inbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
)

func TestSetupVoiceAndSendDelay(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		who       bot.UserRef
		cmd, want string
	}{
		{bottest.Member, "setup voice rude", "Only staff can do that."},
		{bottest.Member, "setup send-delay off", "Only staff can do that."},
		{alice, "setup voice " + strings.Repeat("a", 501), "The voice description must be at most 500 characters."},
		{alice, "setup send-delay forever", `Send delay "forever": use off, or a duration from 1s to 10m such as 30s.`},
		{alice, "setup send-delay 2h", `Send delay "2h"`},
		{alice, "setup voice friendly, informal, no emoji", "Voice saved: drafts will follow it."},
		{alice, "setup send-delay 90s", "Send delay set to 1 minute 30 seconds."},
		{alice, "setup send-delay 30s", "Send delay set to 30 seconds."},
	} {
		if got := bottest.ReplyText(f.Command(t, c.who, c.cmd)); !strings.HasPrefix(got, c.want) {
			t.Errorf("%q: %q, want %q", c.cmd, got, c.want)
		}
	}
	st, err := f.Settings.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Voice != "friendly, informal, no emoji" || time.Duration(st.SendDelay) != 30*time.Second {
		t.Errorf("voice %q, send delay %v", st.Voice, st.SendDelay)
	}
	entries, err := f.audit.List(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+" "+e.Detail)
	}
	if got := strings.Join(actions, ", "); !strings.Contains(got, "setup.voice friendly, informal, no emoji") || !strings.Contains(got, "setup.send-delay 30s") {
		t.Errorf("audit: %s", got)
	}
	if got := bottest.ReplyText(f.Command(t, alice, "setup send-delay off")); got != "Send delay set to off." {
		t.Errorf("off: %q", got)
	}
}
