package bot

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// maxDuration bounds ParseDuration (ten years), far below overflow.
const maxDuration = 10 * 365 * 24 * time.Hour

// ParseDuration reads Go durations plus days and weeks: "10m", "2h30m",
// "1d", "2w", "30d".
func ParseDuration(s string) (time.Duration, error) {
	s = strings.ToLower(strings.TrimSpace(s))
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
		var unit time.Duration
		switch s[i:j] {
		case "s":
			unit = time.Second
		case "m", "min":
			unit = time.Minute
		case "h":
			unit = time.Hour
		case "d":
			unit = 24 * time.Hour
		case "w":
			unit = 7 * 24 * time.Hour
		default:
			return 0, errors.New("duration unit " + strconv.Quote(s[i:j]) + ": want s, m, h, d or w")
		}
		total += time.Duration(n) * unit
		if total > maxDuration {
			return 0, errors.New("duration too large")
		}
		s = s[j:]
	}
	return total, nil
}
