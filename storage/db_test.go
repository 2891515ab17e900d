package storage_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	db, err := storage.Open(ctx, path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storage.NewSettings(db, bot.Settings{}).UpdateSettings(ctx, func(s *bot.Settings) error {
		s.Brand = []string{"Acme"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := storage.NewAuditLog(db).Audit(ctx, bot.AuditEntry{Action: "setup.brand", Detail: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if err := storage.NewMessageLog(db).Record(ctx, msgAt("1", base)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openAt(t, path)
	st, err := storage.NewSettings(db, bot.Settings{}).Settings(ctx)
	if err != nil || len(st.Brand) != 1 || st.Brand[0] != "Acme" {
		t.Errorf("brand after reopen = %q, %v; want [Acme]", st.Brand, err)
	}
	entries, err := storage.NewAuditLog(db).List(ctx, 0)
	if err != nil || len(entries) != 1 || entries[0].Action != "setup.brand" {
		t.Errorf("audit after reopen = %+v, %v", entries, err)
	}
	if got := all(t, storage.NewMessageLog(db)); len(got) != 1 || got[0].Text != "hello 1" || !got[0].Time.Equal(base) {
		t.Errorf("messages after reopen = %+v", got)
	}
}

func TestOpenCreatesEveryBucket(t *testing.T) {
	db := openAt(t, tempPath(t))
	err := db.Bolt().View(func(tx *bbolt.Tx) error {
		for _, name := range []string{storage.BucketMeta, storage.BucketSettings, storage.BucketAudit,
			storage.BucketMessages, storage.BucketFAQ, storage.BucketInboxItems, storage.BucketInboxThreads,
			storage.BucketInboxSeq, storage.BucketMessageLog, storage.BucketMessageRefs} {
			if tx.Bucket([]byte(name)) == nil {
				t.Errorf("bucket %s missing", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSecondOpenFailsClearly(t *testing.T) {
	path := tempPath(t)
	openAt(t, path)
	db, err := storage.Open(context.Background(), path, quiet) // default timeout
	if err == nil {
		_ = db.Close()
		t.Fatal("second open succeeded")
	}
	if want := "database is in use by another process (" + path + ")"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if !errors.Is(err, storage.ErrInUse) {
		t.Errorf("error %v is not ErrInUse", err)
	}
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	random := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	tests := []struct {
		name   string
		make   func(t *testing.T, path string)
		reason string // the reason in parentheses, alternatives split by |
	}{
		{"random bytes", func(t *testing.T, path string) { write(t, path, random) }, "invalid database"},
		{"text file", func(t *testing.T, path string) {
			write(t, path, []byte("DISCORD_TOKEN=abc\nCOMMPILOT_DB=./commpilot.db\n"))
		}, "invalid database"},
		{"another bbolt application", func(t *testing.T, path string) {
			bdb, err := bbolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer bdb.Close()
			if err := bdb.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("jobs")); return err }); err != nil {
				t.Fatal(err)
			}
		}, "another application"},
		{"meta pages overwritten", func(t *testing.T, path string) {
			makeDB(t, path, 10)
			corrupt(t, path, 0, random[:2*os.Getpagesize()])
		}, "invalid database"},
		{"truncated", func(t *testing.T, path string) {
			makeDB(t, path, 3000)
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, fi.Size()/2); err != nil {
				t.Fatal(err)
			}
		}, "truncated|corrupted"},
		{"data pages overwritten", func(t *testing.T, path string) {
			makeDB(t, path, 3000)
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			// Everything after the meta pages: the root, branch and leaf pages.
			corrupt(t, path, int64(2*os.Getpagesize()), bytes.Repeat(random[:4096], int(fi.Size())/4096-2))
		}, "corrupted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := tempPath(t)
			tc.make(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			db, err := storage.Open(context.Background(), path, quiet)
			if err == nil {
				_ = db.Close()
				t.Fatal("open succeeded")
			}
			if !errors.Is(err, storage.ErrForeign) {
				t.Errorf("error %v is not ErrForeign", err)
			}
			prefix := path + " is not a commpilot database ("
			reason, ok := strings.CutPrefix(err.Error(), prefix)
			if !ok || !strings.HasSuffix(reason, ")") || !containsAny(reason, strings.Split(tc.reason, "|")) {
				t.Errorf("error = %q, want %q…%q…)", err, prefix, tc.reason)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Error("open modified the refused file")
			}
		})
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := tempPath(t)
	makeDB(t, path, 0)
	bdb, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	newer := storage.SchemaVersion() + 1
	if err := bdb.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(storage.BucketMeta)).Put([]byte("schema_version"), storage.U64Key(newer))
	}); err != nil {
		t.Fatal(err)
	}
	_ = bdb.Close()

	db, err := storage.Open(context.Background(), path, quiet)
	if err == nil {
		_ = db.Close()
		t.Fatal("open succeeded")
	}
	if !errors.Is(err, storage.ErrTooNew) || !strings.Contains(err.Error(), "schema version "+strconv.FormatUint(newer, 10)) {
		t.Errorf("error = %v, want ErrTooNew naming version %d", err, newer)
	}
}

// makeDB creates a closed commpilot database at path holding n messages.
func makeDB(t *testing.T, path string, n int) {
	t.Helper()
	db, err := storage.Open(context.Background(), path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	msgs := make([]bot.LoggedMessage, n)
	for i := range msgs {
		msgs[i] = msgAt(strconv.Itoa(i), base.Add(time.Duration(i)*time.Second))
		msgs[i].Text = strings.Repeat("x", 200)
	}
	if err := storage.NewMessageLog(db).RecordMany(context.Background(), msgs); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func corrupt(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
