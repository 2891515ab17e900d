package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/commpilot/commpilot/skills/triage"
	"github.com/commpilot/commpilot/storage"
)

// runClassify classifies messages offline, or with the configured LLM (see
// classify.go and skills/triage).
func runClassify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return classify(ctx, args, stdin, stdout, stderr, triage.New(), os.Getenv)
}

// runBackup writes a consistent copy of the database to the given file: it
// asks the running bot over its admin address when the file is locked, and
// copies the file itself when no bot runs.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		fmt.Fprintln(stderr, "usage: commpilot backup FILE")
		return 2
	}
	out := args[0]
	dbPath, addr := envOr("COMMPILOT_DB", DefaultDBPath), envOr("COMMPILOT_HTTP_ADDR", DefaultHTTPAddr)
	err := storage.BackupFile(ctx, dbPath, out, storage.Options{Timeout: 500 * time.Millisecond})
	if errors.Is(err, storage.ErrInUse) {
		url := "http://" + loopbackAddr(addr) + "/backup"
		err = storage.FetchBackup(ctx, &http.Client{Timeout: 10 * time.Minute}, url, out)
		if err != nil {
			err = fmt.Errorf("%s is in use by a running bot, and asking it for a copy failed: %w", dbPath, err)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "commpilot backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "backup of %s written to %s\n", dbPath, out)
	return 0
}

// runHealth exits 0 when the running bot says it is healthy.
func runHealth(ctx context.Context, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	url := "http://" + loopbackAddr(envOr("COMMPILOT_HTTP_ADDR", DefaultHTTPAddr)) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "commpilot health: %v\n", err)
		return 1
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "commpilot health: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	var h Health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		fmt.Fprintf(stderr, "commpilot health: bad answer from %s: %v\n", url, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: platforms %v, database %s\n", h.Status, h.Platforms, h.Database)
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

// loopbackAddr turns a listen address (":8080", "0.0.0.0:8080") into one to dial.
func loopbackAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
