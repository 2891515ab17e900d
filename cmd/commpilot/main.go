// Command commpilot is the community-management copilot: one process that
// joins Discord and Slack, triages the community's messages into a team
// channel with drafted replies, and keeps its state in one bbolt file.
//
// # Subcommands
//
//	commpilot [run]          run the bot (the default)
//	commpilot playground     try it in a browser, no tokens needed
//	commpilot classify ...   classify messages offline
//	commpilot rule test ...  what the moderation rules would do, offline
//	commpilot backup FILE    write a consistent copy of the database
//	commpilot restore FILE   put a backup in place of the stopped bot's database
//	commpilot compact        rewrite the stopped bot's database to its live size
//	commpilot check          check the configuration and each platform's grants
//	commpilot health         exit 0 when the running bot is alive (/healthz)
//	commpilot version        print the version
//	commpilot help           list the subcommands
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
	// The time zones of COMMPILOT_TZ and /cm setup timezone work on hosts
	// and images without zoneinfo.
	_ "time/tzdata"

	"github.com/joho/godotenv"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3" (the
// Dockerfile's VERSION build argument).
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the process exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Existing environment variables win over .env (godotenv.Load never
	// overrides). A missing .env is normal.
	if err := godotenv.Load(); err != nil && !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "commpilot: read .env: %v\n", err)
		return 2
	}
	cmd := "run"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	ctx := context.Background()
	switch cmd {
	case "run":
		return runBot(ctx, stderr)
	case "playground":
		return runPlayground(ctx, args, stdout, stderr)
	case "classify":
		return runClassify(ctx, args, stdin, stdout, stderr)
	case "backup":
		return runBackup(ctx, args, stdout, stderr)
	case "compact":
		return runCompact(ctx, args, stdout, stderr)
	case "rule":
		return runRule(ctx, args, stdin, stdout, stderr)
	case "restore":
		return runRestore(ctx, args, stdout, stderr)
	case "check":
		return runCheck(ctx, args, stdout, stderr)
	case "health":
		return runHealth(ctx, args, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "commpilot", Version())
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "commpilot: unknown command %q\n\n%s", cmd, usage)
	return 2
}

const usage = `Usage: commpilot [command]

Commands:
  run                   run the bot (default); configuration from the environment and .env
  playground            try commpilot in your browser with no tokens (--addr, --db, --public)
  classify [FILE|-]     classify messages offline (JSON lines, CSV or plain lines); --help for flags
  rule test TEXT        what the moderation rules would do with a message, offline; --help for flags
  backup FILE           write a consistent copy of the database to FILE (works while the bot runs)
  restore FILE          replace the database with the backup FILE (the bot must be stopped)
  compact               rewrite the database to its live size, with the bot stopped (--db, --out)
  check                 check the configuration and reach each platform, without starting the bot
  health [--ready]      check the running bot is alive (/healthz) or ready (/readyz)
  version               print the version
  help                  this text

Configuration: see .env.example and README.md.
`

// Version is the build's version: -ldflags, else the module version Go
// stamped, else "dev-" and the commit the binary was built from.
func Version() string {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(version, bi)
}

// versionOf picks the version from what the build stamped, most specific first.
func versionOf(stamped string, bi *debug.BuildInfo) string {
	if stamped != "" {
		return stamped
	}
	if bi == nil {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return "dev-" + rev
}

// runBot runs the bot until SIGINT or SIGTERM; a second signal exits at once.
func runBot(ctx context.Context, stderr io.Writer) int {
	cfg, err := LoadConfig(os.Getenv)
	if errors.Is(err, ErrNoPlatform) {
		fmt.Fprint(stderr, noPlatformHelp)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "commpilot: configuration:\n%v\n", indent(err))
		return 2
	}
	logger := cfg.NewLogger(stderr)
	logger.Info("commpilot starting", "version", Version())
	cfg.LogDataPath(logger)
	return runUntilSignal(ctx, NewMain(cfg, logger), stderr, nil)
}

// runUntilSignal runs m until SIGINT or SIGTERM, or until it stops on its
// own; a second signal exits at once. started, when set, runs once m runs
// (an error from it stops m).
func runUntilSignal(ctx context.Context, m *Main, stderr io.Writer, started func(context.Context) error) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	err := m.Run(ctx)
	if err == nil && started != nil {
		err = started(ctx)
	}
	if err != nil {
		fmt.Fprintf(stderr, "commpilot: %v\n", err)
		_ = m.Close()
		return 1
	}
	select {
	case <-ctx.Done():
	case <-m.Done():
	}
	stop()

	// A second signal during the ordered shutdown exits at once.
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(again)
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			fmt.Fprintf(stderr, "commpilot: shutdown: %v\n", err)
			return 1
		}
		if err := m.Err(); err != nil {
			fmt.Fprintf(stderr, "commpilot: %v\n", err)
			return 1
		}
		return 0
	case <-again:
		fmt.Fprintln(stderr, "commpilot: second signal, exiting now")
		return 130
	}
}

func indent(err error) string {
	var out string
	for _, line := range splitLines(err.Error()) {
		out += "  - " + line + "\n"
	}
	return out
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// shutdownGrace bounds how long in-flight events may take at shutdown.
const shutdownGrace = 10 * time.Second
