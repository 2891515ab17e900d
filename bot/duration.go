package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxDuration bounds ParseDuration (ten years), far below overflow.
const maxDuration = 10 * 365 * 24 * time.Hour

// durationUnits are the units ParseDuration reads, in every language: the
// team's language decides the words the bot writes (FormatDuration), not
// what it reads, so an English unit typed in a French team still works.
// No two languages give one spelling two meanings, except "m": it is
// minutes everywhere (as in Go and in "10m"), never months, which are not
// a unit (their length varies: write 30d).
var durationUnits = map[string]time.Duration{
	"s": time.Second, "sec": time.Second, // seconds, secondes, seconden
	"m": time.Minute, "min": time.Minute, "mn": time.Minute, // minutes, minuten
	"h": time.Hour, "u": time.Hour, // hours, heures, uren (uur)
	"d": 24 * time.Hour, "j": 24 * time.Hour, // days, jours, dagen
	"w": 7 * 24 * time.Hour, "sem": 7 * 24 * time.Hour, // weeks, semaines, weken
}

// ParseDuration reads a duration typed by a person: whole numbers, each
// followed by a unit of durationUnits, in any case, with or without spaces
// — "10m", "2h30m", "2 h 30 min", "1d", "30j", "2u", "1sem", "2w". Go's
// own renderings without fractions ("8784h0m0s") read too.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.ToLower(strings.Join(strings.Fields(s), ""))
	if s == "" {
		return 0, errors.New("empty duration")
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, errors.New("duration " + strconv.Quote(s) + ": want a number")
		}
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || n > 1<<20 {
			return 0, errors.New("duration " + strconv.Quote(s) + ": too large")
		}
		j := i
		for j < len(s) && (s[j] < '0' || s[j] > '9') {
			j++
		}
		unit, ok := durationUnits[s[i:j]]
		if !ok {
			return 0, errors.New("duration unit " + strconv.Quote(s[i:j]) + ": want s, m/min, h/u, d/j or w/sem")
		}
		total += time.Duration(n) * unit
		if total > maxDuration {
			return 0, errors.New("duration too large")
		}
		s = s[j:]
	}
	return total, nil
}

// FormatDuration writes d for people in lang, to the second, largest unit
// first and without the units that are zero: "366 days", "1 day",
// "2 hours 30 minutes"; "1 jour", "2 heures 30 minutes"; "2 uur 30
// minuten". The words are the core catalogue's unit.* plurals (PluralForm:
// French takes the singular for 0 and 1). A negative d is written as 0.
func FormatDuration(d time.Duration, lang Lang) string {
	words, ok := coreMessages[lang]
	if !ok {
		lang, words = English, coreMessages[English]
	}
	secs := int64(max(d.Round(time.Second), 0) / time.Second)
	var parts []string
	for i, u := range [4]struct {
		key  string
		size int64
	}{{"unit.day", 86400}, {"unit.hour", 3600}, {"unit.minute", 60}, {"unit.second", 1}} {
		n := secs / u.size
		secs %= u.size
		if n == 0 && (i < 3 || len(parts) > 0) {
			continue
		}
		parts = append(parts, fmt.Sprintf(words[u.key+"#"+PluralForm(lang, n)], n))
	}
	return strings.Join(parts, " ")
}
