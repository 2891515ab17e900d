package discord

import (
	"strconv"
	"testing"
	"time"
)

// A backfill starts after the last message seen in a channel, else after
// the time the previous session was last heard from, and never reaches
// back further than its age bound; the channels remembered are bounded.
func TestBackfillStartsWhereTheGatewayLeftOff(t *testing.T) {
	now := time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)
	floor := now.Add(-backfillMaxAge)
	since := now.Add(-2 * time.Minute)
	recent := strconv.FormatUint(snowflakeAt(now.Add(-time.Minute))+7, 10)
	old := strconv.FormatUint(snowflakeAt(now.Add(-time.Hour)), 10)
	var s seen
	s.message("1", recent)
	s.message("1", old) // an older id does not move it back
	s.message("2", old)
	if got, want := s.after("1", since, floor), snowflakeAt(now.Add(-time.Minute))+7; got != want {
		t.Errorf("after the last message seen: %d, want %d", got, want)
	}
	if got, want := s.after("2", since, floor), snowflakeAt(floor); got != want {
		t.Errorf("last message an hour ago: after %d, want the %s bound %d", got, backfillMaxAge, want)
	}
	if got, want := s.after("3", since, floor), snowflakeAt(since); got != want {
		t.Errorf("no message seen: after %d, want the previous session's time %d", got, want)
	}
	for i := range maxSeenChannels + 10 {
		s.message("c"+strconv.Itoa(i), recent)
	}
	if n := len(s.last); n != maxSeenChannels {
		t.Errorf("%d channels remembered, want at most %d", n, maxSeenChannels)
	}
	s.message("1", strconv.FormatUint(snowflakeAt(now), 10)) // known channels still move on
	if got := s.after("1", since, floor); got != snowflakeAt(now) {
		t.Errorf("a known channel past the bound did not move on: %d", got)
	}
}
