package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// Health is the document of /healthz and /readyz.
type Health struct {
	// Status is "ok", or "degraded" when the endpoint answers 503.
	Status    string                           `json:"status"`
	Version   string                           `json:"version"`
	Platforms map[bot.PlatformID]bot.ConnState `json:"platforms"`
	Database  string                           `json:"database"`
}

// health reads the process's state: the database answers a read
// transaction, and each platform's connection.
func (m *Main) health(ctx context.Context) Health {
	h := Health{Status: "ok", Version: Version(), Platforms: m.Engine.Health(), Database: "ok"}
	if err := m.DB.Check(ctx); err != nil {
		h.Database = "error: " + err.Error()
	}
	return h
}

// healthz is liveness: 200 while the process runs and its database answers,
// whatever the platforms' connections (an outage of Slack or Discord must
// not get the container restarted; the adapters reconnect on their own).
func (m *Main) healthz(w http.ResponseWriter, r *http.Request) {
	h := m.health(r.Context())
	writeHealth(w, h, h.Database == "ok")
}

// readyz is readiness: 200 only while every platform is connected and the
// database answers.
func (m *Main) readyz(w http.ResponseWriter, r *http.Request) {
	h := m.health(r.Context())
	ready := h.Database == "ok"
	for _, st := range h.Platforms {
		ready = ready && st == bot.StateConnected
	}
	writeHealth(w, h, ready)
}

func writeHealth(w http.ResponseWriter, h Health, ok bool) {
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		h.Status = "degraded"
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(h)
}

// runHealth asks the running bot whether it is alive (/healthz), or with
// --ready whether it is ready (/readyz), prints the answer in words and
// exits 0 when the answer is yes.
func runHealth(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	path := "/healthz"
	switch {
	case len(args) == 1 && args[0] == "--ready":
		path = "/readyz"
	case len(args) > 0:
		fmt.Fprintln(stderr, "usage: commpilot health [--ready]")
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	url := "http://" + loopbackAddr(envOr("COMMPILOT_HTTP_ADDR", DefaultHTTPAddr)) + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "commpilot health: %v\n", err)
		return 1
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "commpilot health: no answer from the bot at %s: %v\n", url, err)
		return 1
	}
	defer resp.Body.Close()
	var h Health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		fmt.Fprintf(stderr, "commpilot health: bad answer from %s: %v\n", url, err)
		return 1
	}
	fmt.Fprint(stdout, h.words())
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

// words is h for a person: one line per fact.
func (h Health) words() string {
	var b strings.Builder
	fmt.Fprintf(&b, "status: %s (version %s)\ndatabase: %s\n", h.Status, h.Version, h.Database)
	ids := make([]bot.PlatformID, 0, len(h.Platforms))
	for id := range h.Platforms {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		fmt.Fprintf(&b, "%s: %s\n", id, h.Platforms[id])
	}
	return b.String()
}
