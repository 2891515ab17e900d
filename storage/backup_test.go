package storage_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

// seedWhileWriting stores n messages, then keeps appending until the test's
// backup is done; it returns a stop function.
func seedWhileWriting(t *testing.T, l *storage.MessageLog, n int) (stop func()) {
	t.Helper()
	ctx := context.Background()
	var seed []bot.LoggedMessage
	for i := range n {
		seed = append(seed, msgAt(fmt.Sprint("seed", i), base.Add(time.Duration(i)*time.Second)))
	}
	if err := l.RecordMany(ctx, seed); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				if err := l.Record(ctx, msgAt(fmt.Sprintf("live%d-%d", w, i), base.Add(time.Hour+time.Duration(i)*time.Millisecond))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	return func() { close(done); wg.Wait() }
}

// checkCopy opens a backup as a database and checks it holds the seed.
func checkCopy(t *testing.T, path string, seed int) {
	t.Helper()
	n := 0
	for _, m := range all(t, storage.NewMessageLog(openAt(t, path))) {
		if strings.HasPrefix(m.Ref.ID, "seed") {
			n++
		}
	}
	if n != seed {
		t.Errorf("backup holds %d seeded messages, want %d", n, seed)
	}
}

func TestBackupWhileWritersRun(t *testing.T) {
	db := openAt(t, tempPath(t))
	stop := seedWhileWriting(t, storage.NewMessageLog(db), 500)
	out := filepath.Join(t.TempDir(), "backup.db")
	err := db.Backup(context.Background(), out)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	checkCopy(t, out, 500)
}

func TestServeAndFetchBackup(t *testing.T) {
	db := openAt(t, tempPath(t))
	stop := seedWhileWriting(t, storage.NewMessageLog(db), 500)
	srv := httptest.NewServer(db.ServeBackup())
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "backup.db")
	err := storage.FetchBackup(context.Background(), srv.Client(), srv.URL+"/backup", out)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	checkCopy(t, out, 500)
}

func TestFetchBackupRejectsBadDownloads(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"cut short", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100000")
			_, _ = w.Write(make([]byte, 5000))
		}},
		{"not a database", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(strings.Repeat("<html>login</html>", 1000)))
		}},
		{"error status", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "nope", http.StatusForbidden) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			dir := t.TempDir()
			out := filepath.Join(dir, "backup.db")
			write(t, out, []byte("previous backup"))
			if err := storage.FetchBackup(context.Background(), srv.Client(), srv.URL, out); err == nil {
				t.Fatal("bad download accepted")
			}
			if b, _ := os.ReadFile(out); string(b) != "previous backup" {
				t.Error("a failed fetch replaced the previous backup")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("temporary files left behind: %v", entries)
			}
		})
	}
}

func TestServeBackupRefusesPost(t *testing.T) {
	srv := httptest.NewServer(openAt(t, tempPath(t)).ServeBackup())
	defer srv.Close()
	resp, err := srv.Client().Post(srv.URL, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST status = %d, want 405", resp.StatusCode)
	}
}

func TestBackupFile(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	makeDB(t, path, 300)
	out := filepath.Join(t.TempDir(), "backup.db")
	if err := storage.BackupFile(ctx, path, out, quiet); err != nil {
		t.Fatal(err)
	}
	n := len(all(t, storage.NewMessageLog(openAt(t, out))))
	if n != 300 {
		t.Errorf("backup of a stopped bot holds %d messages, want 300", n)
	}

	// While a bot holds the file, BackupFile says so; the caller fetches
	// ServeBackup instead.
	openAt(t, path)
	err := storage.BackupFile(ctx, path, filepath.Join(t.TempDir(), "b2.db"), storage.Options{Timeout: 100 * time.Millisecond})
	if !errors.Is(err, storage.ErrInUse) || !strings.Contains(err.Error(), "database is in use by another process ("+path+")") {
		t.Errorf("BackupFile of a running bot: %v, want ErrInUse naming the path", err)
	}
}

func TestBackupFileRefusesForeignFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	write(t, path, []byte(strings.Repeat("not a database\n", 1000)))
	err := storage.BackupFile(context.Background(), path, filepath.Join(t.TempDir(), "b.db"), quiet)
	if !errors.Is(err, storage.ErrForeign) {
		t.Errorf("BackupFile of a text file: %v, want ErrForeign", err)
	}
}

func TestBackupOverSocket(t *testing.T) {
	db := openAt(t, tempPath(t))
	stop := seedWhileWriting(t, storage.NewMessageLog(db), 500)
	ln, err := db.ListenBackup()
	if err != nil {
		t.Fatal(err)
	}
	sock := storage.SocketPath(db.Path())
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %s: %v, mode %v; want a socket with mode 0600", sock, err, fi.Mode())
	}
	srv := &http.Server{Handler: db.ServeBackup()}
	go func() { _ = srv.Serve(ln) }()
	out := filepath.Join(t.TempDir(), "backup.db")
	err = storage.FetchBackup(context.Background(), storage.SocketClient(sock), "http://commpilot/backup", out)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	checkCopy(t, out, 500)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind after close: %v", err)
	}
}

func TestListenBackupRefusesUnsafePlaces(t *testing.T) {
	// A socket a killed bot left is replaced.
	db := openAt(t, tempPath(t))
	stale, err := net.Listen("unix", storage.SocketPath(db.Path()))
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	ln, err := db.ListenBackup()
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	ln.Close()

	// A regular file of that name is not removed.
	db2 := openAt(t, tempPath(t))
	write(t, storage.SocketPath(db2.Path()), []byte("mine"))
	if ln, err := db2.ListenBackup(); err == nil || !strings.Contains(err.Error(), "is not a socket") {
		if ln != nil {
			ln.Close()
		}
		t.Errorf("ListenBackup over a regular file: %v", err)
	}

	// A directory others may write to (like /tmp) is refused.
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	db3 := openAt(t, filepath.Join(dir, "commpilot.db"))
	if ln, err := db3.ListenBackup(); err == nil || !strings.Contains(err.Error(), "other users can write to the directory") {
		if ln != nil {
			ln.Close()
		}
		t.Errorf("ListenBackup in a world-writable directory: %v", err)
	}
}

func TestRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "commpilot.db")
	makeDB(t, path, 3)
	backup := filepath.Join(t.TempDir(), "backup.db")
	makeDB(t, backup, 7)

	// While a bot holds the database, nothing changes.
	db := openAt(t, path)
	if err := storage.Restore(ctx, backup, path); !errors.Is(err, storage.ErrInUse) {
		t.Errorf("restore while the bot runs: %v, want ErrInUse", err)
	}
	db.Close()

	if err := storage.Restore(ctx, backup, path); err != nil {
		t.Fatal(err)
	}
	if n := len(all(t, storage.NewMessageLog(openAt(t, path)))); n != 7 {
		t.Errorf("restored database holds %d messages, want the backup's 7", n)
	}
	if n := len(all(t, storage.NewMessageLog(openAt(t, path+".bak")))); n != 3 {
		t.Errorf(".bak holds %d messages, want the old database's 3", n)
	}

	// A database that no longer opens is what a restore is for.
	broken := filepath.Join(t.TempDir(), "commpilot.db")
	write(t, broken, []byte(strings.Repeat("garbage", 1000)))
	if err := storage.Restore(ctx, backup, broken); err != nil {
		t.Fatalf("restore over a broken database: %v", err)
	}
	if n := len(all(t, storage.NewMessageLog(openAt(t, broken)))); n != 7 {
		t.Errorf("restored database holds %d messages, want 7", n)
	}
	if b, _ := os.ReadFile(broken + ".bak"); string(b) != strings.Repeat("garbage", 1000) {
		t.Error(".bak does not hold the broken file as it was")
	}
}

func TestRestoreChecksTheFileFirst(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	makeDB(t, path, 3)
	before, _ := os.ReadFile(path)

	text := filepath.Join(t.TempDir(), "notes.txt")
	write(t, text, []byte(strings.Repeat("not a database\n", 1000)))
	other := filepath.Join(t.TempDir(), "other.db")
	bdb, err := bbolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = bdb.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("theirs")); return err })
	bdb.Close()
	newer := filepath.Join(t.TempDir(), "newer.db")
	makeDB(t, newer, 0)
	bdb, err = bbolt.Open(newer, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = bdb.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(storage.BucketMeta)).Put([]byte("schema_version"), storage.U64Key(storage.SchemaVersion()+1))
	})
	bdb.Close()

	for _, tc := range []struct {
		file string
		want error
	}{{text, storage.ErrForeign}, {other, storage.ErrForeign}, {newer, storage.ErrTooNew}} {
		if err := storage.Restore(ctx, tc.file, path); !errors.Is(err, tc.want) {
			t.Errorf("restore %s: %v, want %v", filepath.Base(tc.file), err, tc.want)
		}
	}
	if err := storage.Restore(ctx, path, path); err == nil {
		t.Error("restoring the database onto itself was accepted")
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("a refused restore changed the database")
	}
	if _, err := os.Stat(path + ".bak"); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused restore wrote a .bak")
	}
}
