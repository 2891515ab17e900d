package main

import (
	"context"
	"io"
	"net"
	"os"

	"github.com/commpilot/commpilot/skills/triage"
)

// runClassify classifies messages offline, or with the configured LLM (see
// classify.go and skills/triage).
func runClassify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return classify(ctx, args, stdin, stdout, stderr, triage.New(), os.Getenv)
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
