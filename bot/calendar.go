package bot

import "time"

// # Wall-clock times and daylight saving
//
// Recurring times ("09:00 every Monday in Europe/Paris") are computed in the
// team's IANA zone with time.Date, never by adding 24 h or 168 h, so they keep
// their local time across daylight-saving changes. Two local times need a
// rule, and commpilot uses this one everywhere:
//
//   - A time that does not exist (the hour skipped when clocks go forward:
//     02:30 on the last Sunday of March in Paris) is moved forward by the
//     length of the gap: it happens at 03:30 local, the same instant as 02:30
//     in the offset before the change.
//   - A time that happens twice (the hour repeated when clocks go back:
//     02:30 on the last Sunday of October in Paris) happens once, at its
//     first occurrence (02:30 CEST, 00:30 UTC).

// LocalTime returns the instant whose wall clock in loc reads y-m-d
// hour:min, following the rule above for skipped and repeated times. Out of
// range values normalise as in time.Date (day 32 is the next month's first).
func LocalTime(loc *time.Location, y int, m time.Month, d, hour, min int) time.Time {
	wall := time.Date(y, m, d, hour, min, 0, 0, time.UTC)
	// The offsets a day either side bracket any change near this wall time
	// (no zone changes its offset twice within two days).
	_, before := wall.Add(-24 * time.Hour).In(loc).Zone()
	_, after := wall.Add(24 * time.Hour).In(loc).Zone()
	var first time.Time
	for _, off := range []int{before, after} {
		t := wall.Add(-time.Duration(off) * time.Second)
		if sameWall(t.In(loc), wall) && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	if first.IsZero() { // skipped by a forward change: read it in the old offset
		first = wall.Add(-time.Duration(before) * time.Second)
	}
	return first.In(loc)
}

func sameWall(t, wall time.Time) bool {
	y, m, d := t.Date()
	wy, wm, wd := wall.Date()
	return y == wy && m == wm && d == wd && t.Hour() == wall.Hour() && t.Minute() == wall.Minute()
}

// DayMatcher reports whether a local date takes an occurrence.
type DayMatcher func(date time.Time) bool

// EveryDay matches every date.
func EveryDay(time.Time) bool { return true }

// OnWeekdays matches the given days of the week.
func OnWeekdays(days ...time.Weekday) DayMatcher {
	var set [7]bool
	for _, d := range days {
		set[d] = true
	}
	return func(date time.Time) bool { return set[date.Weekday()] }
}

// OnMonthDay matches day n of every month that has one (the 31st skips
// 30-day months).
func OnMonthDay(n int) DayMatcher {
	return func(date time.Time) bool { return date.Day() == n }
}

// maxCalendarDays bounds NextLocal's search: long enough for the 29th of
// February.
const maxCalendarDays = 8 * 366

// NextLocal returns the first instant strictly after after whose wall clock
// in loc is hour:min on a date day accepts, following LocalTime's rule for
// skipped and repeated times (so a repeated time fires once). It returns
// the zero time when no date in the next eight years matches.
func NextLocal(after time.Time, loc *time.Location, hour, min int, day DayMatcher) time.Time {
	y, m, d := after.In(loc).Date()
	for i := range maxCalendarDays {
		date := time.Date(y, m, d+i, 12, 0, 0, 0, loc)
		if !day(date) {
			continue
		}
		if t := LocalTime(loc, date.Year(), date.Month(), date.Day(), hour, min); t.After(after) {
			return t
		}
	}
	return time.Time{}
}
