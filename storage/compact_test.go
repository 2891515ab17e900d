package storage_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

// fillAndPurge writes n messages a second apart and 3 audit entries to the
// database at path, purges all but the last keep messages, closes it, and
// returns the live messages and audit entries.
func fillAndPurge(t *testing.T, path string, n, keep int64) ([]bot.LoggedMessage, []bot.AuditEntry) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l := storage.NewMessageLog(db)
	seed(t, l, n, time.Second)
	if _, err := l.Purge(ctx, base.Add(time.Duration(n-keep)*time.Second)); err != nil {
		t.Fatal(err)
	}
	a := storage.NewAuditLog(db)
	for _, action := range []string{"setup", "reply", "ban"} {
		if err := a.Audit(ctx, bot.AuditEntry{Action: action, Time: base}); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := a.List(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	return all(t, l), entries
}

func size(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func TestCompactShrinksTheFileAndKeepsLiveRecords(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	msgs, entries := fillAndPurge(t, path, 20_000, 500)
	before := size(t, path)

	var reports []storage.CompactProgress
	res, err := storage.Compact(ctx, path, "", quiet, func(p storage.CompactProgress) { reports = append(reports, p) })
	if err != nil {
		t.Fatal(err)
	}
	if res.Before != before || res.After != size(t, path) || res.Path != path {
		t.Errorf("result %+v; the file had %d bytes and has %d", res, before, size(t, path))
	}
	if res.After*4 > before {
		t.Errorf("compacted file has %d bytes, the original %d: want at most a quarter", res.After, before)
	}
	if res.Backup != path+".bak" || size(t, res.Backup) != before {
		t.Errorf("original not kept as %s.bak: result %+v", path, res)
	}
	last := reports[len(reports)-1]
	if last.Keys != last.TotalKeys || last.Keys < int64(2*len(msgs)) {
		t.Errorf("last progress report %+v, want every key copied (at least %d)", last, 2*len(msgs))
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*compact*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	db := openAt(t, path)
	if got := all(t, storage.NewMessageLog(db)); !reflect.DeepEqual(got, msgs) {
		t.Errorf("compacted file has %d messages, want the %d live ones", len(got), len(msgs))
	}
	a := storage.NewAuditLog(db)
	// The audit bucket's sequence was copied: a new entry does not
	// overwrite the first one.
	if err := a.Audit(ctx, bot.AuditEntry{Action: "after", Time: base}); err != nil {
		t.Fatal(err)
	}
	got, err := a.List(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(entries)+1 || !reflect.DeepEqual(got[1:], entries) {
		t.Errorf("audit after compact: %+v, want a new entry then %+v", got, entries)
	}
}

func TestCompactToAnotherFileLeavesTheOriginal(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	msgs, _ := fillAndPurge(t, path, 5_000, 100)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "small.db")
	res, err := storage.Compact(ctx, path, out, quiet, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != out || res.Backup != "" || res.After != size(t, out) || res.After >= res.Before {
		t.Errorf("result %+v", res)
	}
	if now, _ := os.ReadFile(path); string(now) != string(orig) {
		t.Error("the original changed")
	}
	if _, err := os.Stat(path + ".bak"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a backup was made with --out: %v", err)
	}
	if got := all(t, storage.NewMessageLog(openAt(t, out))); !reflect.DeepEqual(got, msgs) {
		t.Errorf("copy has %d messages, want %d", len(got), len(msgs))
	}
	// An existing --out is never overwritten.
	if _, err := storage.Compact(ctx, path, out, quiet, nil); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("compact over an existing file: %v", err)
	}
}

func TestCompactRefusesAFileInUseOrNotOurs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "commpilot.db")
	db := openAt(t, path)
	if err := storage.NewMessageLog(db).Record(ctx, msgAt("1", base)); err != nil {
		t.Fatal(err)
	}
	before := size(t, path)
	short := quiet
	short.Timeout = 50 * time.Millisecond
	_, err := storage.Compact(ctx, path, "", short, nil)
	if !errors.Is(err, storage.ErrInUse) || !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("compact while the file is open: %v, want ErrInUse", err)
	}
	if size(t, path) != before {
		t.Error("the file changed")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := storage.Compact(cancelled, path, "", quiet, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("compact with a cancelled context: %v", err)
	}

	missing := filepath.Join(dir, "missing.db")
	if _, err := storage.Compact(ctx, missing, "", quiet, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("compact of a missing file: %v", err)
	}
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte(strings.Repeat("not a database\n", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.Compact(ctx, text, "", quiet, nil); !errors.Is(err, storage.ErrForeign) {
		t.Errorf("compact of a text file: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"commpilot.db", "notes.txt"}; !reflect.DeepEqual(names, want) {
		t.Errorf("files left: %v, want %v", names, want)
	}
}
