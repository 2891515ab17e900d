package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/commpilot/commpilot/storage"
)

// runBackup writes a consistent copy of the database to the given file: it
// copies the file itself when no bot runs, and asks the running bot over its
// owner-only socket beside the database (storage.SocketPath) when one does.
// No HTTP listener serves backups.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		fmt.Fprintln(stderr, "usage: commpilot backup FILE")
		return 2
	}
	out, dbPath := args[0], envOr("COMMPILOT_DB", DefaultDBPath)
	err := storage.BackupFile(ctx, dbPath, out, storage.Options{Timeout: 500 * time.Millisecond})
	if errors.Is(err, storage.ErrInUse) {
		err = fetchFromBot(ctx, dbPath, out)
	}
	if err != nil {
		fmt.Fprintf(stderr, "commpilot backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "backup of %s written to %s\n", dbPath, out)
	return 0
}

// fetchFromBot downloads the running bot's backup over its socket.
func fetchFromBot(ctx context.Context, dbPath, out string) error {
	sock := storage.SocketPath(dbPath)
	if _, err := os.Stat(sock); err != nil {
		return fmt.Errorf("%s is in use by a running bot that serves no backup socket at %s (its start log says why)", dbPath, sock)
	}
	err := storage.FetchBackup(ctx, storage.SocketClient(sock), "http://commpilot/backup", out)
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		err = op.Err // the socket's path is said below
	}
	if err != nil {
		return fmt.Errorf("%s is in use by a running bot, and asking it for a copy over %s failed: %w", dbPath, sock, err)
	}
	return nil
}

// runRestore replaces the stopped bot's database with a backup, after
// checking the backup; the previous database is kept as DB.bak.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		fmt.Fprintln(stderr, "usage: commpilot restore FILE")
		return 2
	}
	from, dbPath := args[0], envOr("COMMPILOT_DB", DefaultDBPath)
	_, statErr := os.Stat(dbPath)
	err := storage.Restore(ctx, from, dbPath)
	if errors.Is(err, storage.ErrInUse) {
		err = fmt.Errorf("a running bot uses %s: stop it, then restore", dbPath)
	}
	if err != nil {
		fmt.Fprintf(stderr, "commpilot restore: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s restored from %s\n", dbPath, from)
	if statErr == nil {
		fmt.Fprintf(stdout, "the previous database is kept as %s.bak\n", dbPath)
	}
	return 0
}

// serveBackupSocket serves the database's backups on its owner-only socket
// (storage.DB.ListenBackup). A socket that cannot be made is logged and
// leaves the bot running: only backups while it runs are unavailable.
func (m *Main) serveBackupSocket() {
	ln, err := m.DB.ListenBackup()
	if err != nil {
		m.Logger.Warn("no backup socket: commpilot backup works only while the bot is stopped", "err", err)
		return
	}
	// No WriteTimeout: a backup streams the whole database.
	m.backup = &http.Server{Handler: m.DB.ServeBackup(), ReadHeaderTimeout: 5 * time.Second}
	m.wg.Go(func() {
		if err := m.backup.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("backup socket", "err", err)
		}
	})
}
