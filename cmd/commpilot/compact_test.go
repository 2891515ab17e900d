package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

// A database whose messages were mostly purged: compact refuses while the
// bot runs, then shrinks it once the bot is stopped, keeping the live
// messages and the original as .bak.
func TestCompactCommand(t *testing.T) {
	clearEnv(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "commpilot.db")
	db, err := storage.Open(ctx, path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := storage.NewMessageLog(db)
	t0 := time.Now().Add(-time.Hour) // within the retention the bot purges at start
	msgs := make([]bot.LoggedMessage, 5000)
	for i := range msgs {
		msgs[i] = bot.LoggedMessage{
			Ref:  bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Discord, ID: "300"}, ID: fmt.Sprint(i)},
			Text: strings.Repeat("a message of the community ", 8), Time: t0.Add(time.Duration(i) * time.Second),
		}
	}
	if err := l.RecordMany(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Purge(ctx, t0.Add(4900*time.Second)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	m := startMain(t, path)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"compact", "--db", path}, nil, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "in use by another process") || !strings.Contains(stderr.String(), "stop the bot first") {
		t.Errorf("compact while the bot runs: exit %d, stderr %q", code, stderr.String())
	}
	m.Close()

	stdout.Reset()
	stderr.Reset()
	t.Setenv("COMMPILOT_DB", path)
	if code := run([]string{"compact"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("compact: exit %d, stderr %q", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "compacting "+path+": 0 of ") {
		t.Errorf("no progress on stderr: %q", stderr.String())
	}
	if !strings.Contains(stdout.String(), "compacted "+path+": ") || !strings.Contains(stdout.String(), path+".bak") {
		t.Errorf("stdout %q", stdout.String())
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if after.Size() >= fi.Size() {
		t.Errorf("file has %d bytes after compact, %d before", after.Size(), fi.Size())
	}
	db, err = storage.Open(ctx, path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	if err := storage.NewMessageLog(db).Range(ctx, bot.HistoryFilter{}, func(bot.LoggedMessage) bool { n++; return true }); err != nil {
		t.Fatal(err)
	}
	if n != 100 {
		t.Errorf("%d messages after compact, want the 100 live ones", n)
	}

	stderr.Reset()
	if code := run([]string{"compact", "--frob"}, nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "usage: commpilot compact") {
		t.Errorf("bad flag: exit %d, stderr %q", code, stderr.String())
	}
}
