package bot

import (
	"testing"
	"time"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The changes of 2026: Europe/Paris springs forward on 29 March at 02:00 and
// falls back on 25 October at 03:00; America/New_York on 8 March at 02:00
// and on 1 November at 02:00.
func TestNextLocal(t *testing.T) {
	paris, ny := mustZone(t, "Europe/Paris"), mustZone(t, "America/New_York")
	monday := OnWeekdays(time.Monday)
	tests := []struct {
		name       string
		loc        *time.Location
		after      string
		hour, min  int
		day        DayMatcher
		want       string // UTC
		wantOffset int    // hours east of UTC at want
	}{
		{"Paris Monday 09:00 before the March change is CET", paris, "2026-03-20T12:00:00Z", 9, 0, monday, "2026-03-23T08:00:00Z", 1},
		{"Paris Monday 09:00 across the March change is CEST", paris, "2026-03-27T12:00:00Z", 9, 0, monday, "2026-03-30T07:00:00Z", 2},
		{"Paris Monday 09:00 across the October change is CET", paris, "2026-10-23T12:00:00Z", 9, 0, monday, "2026-10-26T08:00:00Z", 1},
		{"Paris Sunday 09:00 on the March change day", paris, "2026-03-28T12:00:00Z", 9, 0, OnWeekdays(time.Sunday), "2026-03-29T07:00:00Z", 2},
		{"Paris 02:30 does not exist on 29 March: 03:30 CEST", paris, "2026-03-28T12:00:00Z", 2, 30, EveryDay, "2026-03-29T01:30:00Z", 2},
		{"Paris 02:30 the day after the gap is back to 02:30", paris, "2026-03-29T12:00:00Z", 2, 30, EveryDay, "2026-03-30T00:30:00Z", 2},
		{"Paris 02:30 happens twice on 25 October: the first (CEST)", paris, "2026-10-24T12:00:00Z", 2, 30, EveryDay, "2026-10-25T00:30:00Z", 2},
		{"Paris repeated 02:30 fires once: next is 26 October", paris, "2026-10-25T00:30:00Z", 2, 30, EveryDay, "2026-10-26T01:30:00Z", 1},
		{"New York 02:30 does not exist on 8 March: 03:30 EDT", ny, "2026-03-07T12:00:00Z", 2, 30, EveryDay, "2026-03-08T07:30:00Z", -4},
		{"New York Monday 09:00 across the March change is EDT", ny, "2026-03-06T12:00:00Z", 9, 0, monday, "2026-03-09T13:00:00Z", -4},
		{"New York 01:30 happens twice on 1 November: the first (EDT)", ny, "2026-10-31T12:00:00Z", 1, 30, EveryDay, "2026-11-01T05:30:00Z", -4},
		{"New York repeated 01:30 fires once: next is 2 November EST", ny, "2026-11-01T05:30:00Z", 1, 30, EveryDay, "2026-11-02T06:30:00Z", -5},
		{"New York Monday 09:00 across the November change is EST", ny, "2026-10-30T12:00:00Z", 9, 0, monday, "2026-11-02T14:00:00Z", -5},
		{"strictly after: the same instant moves to the next week", paris, "2026-03-30T07:00:00Z", 9, 0, monday, "2026-04-06T07:00:00Z", 2},
		{"the 31st skips months without one", paris, "2026-04-01T00:00:00Z", 10, 0, OnMonthDay(31), "2026-05-31T08:00:00Z", 2},
		{"the 29th of February waits for a leap year", time.UTC, "2026-03-01T00:00:00Z", 10, 0,
			func(d time.Time) bool { return d.Month() == time.February && d.Day() == 29 }, "2028-02-29T10:00:00Z", 0},
		{"weekdays skip the weekend", paris, "2026-12-04T09:00:00Z", 9, 0,
			OnWeekdays(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday), "2026-12-07T08:00:00Z", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NextLocal(utc(tt.after), tt.loc, tt.hour, tt.min, tt.day)
			if !got.Equal(utc(tt.want)) {
				t.Fatalf("NextLocal = %s (%s), want %s", got.UTC().Format(time.RFC3339), got.Format(time.RFC3339), tt.want)
			}
			if _, off := got.Zone(); off != tt.wantOffset*3600 {
				t.Errorf("offset at %s = %ds, want %dh", got.Format(time.RFC3339), off, tt.wantOffset)
			}
		})
	}
}

func TestNextLocalNoMatch(t *testing.T) {
	never := func(time.Time) bool { return false }
	if got := NextLocal(utc("2026-01-01T00:00:00Z"), time.UTC, 9, 0, never); !got.IsZero() {
		t.Fatalf("NextLocal with no matching day = %s, want zero", got)
	}
}

func TestLocalTimeWallClock(t *testing.T) {
	paris := mustZone(t, "Europe/Paris")
	got := LocalTime(paris, 2026, time.December, 1, 9, 0)
	if want := utc("2026-12-01T08:00:00Z"); !got.Equal(want) || got.Location() != paris {
		t.Fatalf("LocalTime = %s in %s, want %s in Europe/Paris", got, got.Location(), want)
	}
}
