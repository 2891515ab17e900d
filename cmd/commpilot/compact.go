package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/commpilot/commpilot/storage"
)

// compactEvery is the least time between two progress lines of compact.
const compactEvery = time.Second

// runCompact rewrites the database (offline) to its live size: see
// storage.Compact and docs/operations.md. SIGINT or SIGTERM abandons the
// copy and leaves the database as it was.
func runCompact(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("compact", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", envOr("COMMPILOT_DB", DefaultDBPath), "the database to compact (stop the bot first)")
	out := fs.String("out", "", "write the compacted copy to this new file and leave the database as it is")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: commpilot compact [--db FILE] [--out FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var last time.Time
	progress := func(p storage.CompactProgress) {
		if now := time.Now(); p.Keys < p.TotalKeys && now.Sub(last) >= compactEvery {
			last = now
			fmt.Fprintf(stderr, "compacting %s: %d of %d records (%d%%), bucket %s\n",
				*dbPath, p.Keys, p.TotalKeys, 100*p.Keys/max(p.TotalKeys, 1), p.Bucket)
		}
	}
	res, err := storage.Compact(ctx, *dbPath, *out, storage.Options{Timeout: 500 * time.Millisecond}, progress)
	if errors.Is(err, storage.ErrInUse) {
		fmt.Fprintf(stderr, "commpilot compact: %v: stop the bot first (compact works on a file no process holds)\n", err)
		return 1
	}
	if err != nil && ctx.Err() != nil {
		fmt.Fprintf(stderr, "commpilot compact: interrupted; %s is unchanged\n", *dbPath)
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "commpilot compact: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "compacted %s: %s → %s, written to %s\n", *dbPath, mb(res.Before), mb(res.After), res.Path)
	if res.Backup != "" {
		fmt.Fprintf(stdout, "the original is kept as %s: delete it once the bot runs well on the compacted file\n", res.Backup)
	}
	return 0
}

// mb formats a size in bytes for people.
func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
