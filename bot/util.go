package bot

import (
	"context"
	"strings"
	"time"
)

// Sleep waits d, or less if ctx ends first; it reports whether the whole d
// elapsed (false: ctx is done).
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// SplitList splits a comma-separated list, trimming spaces and dropping
// empty entries: " a, b,,c " → [a b c].
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
