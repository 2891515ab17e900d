package storage_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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
