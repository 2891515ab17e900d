package schedule

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/adhocore/gronx"

	"github.com/commpilot/commpilot/bot"
)

// # Reading WHEN
//
// ParseWhen reads the schedule at the start of a command's text, in English,
// French and Dutch alike, and says where it ends (the post's text follows).
// The forms (the test table in when_test.go is the specification):
//
//	2026-12-01 09:00          01/12 9h (day first in fr and nl)    1 december 9am
//	tomorrow 9am              demain 9h              morgen om 9 uur
//	in 2 hours                dans 2 heures          over 2 uur      (also seconds, minutes, days, weeks)
//	monday 10:00              lundi prochain à 10h   volgende maandag 10:00
//	tonight                   ce soir                vanavond        (20:00, or the hour given)
//	every monday 09:00        tous les lundis à 9h   elke maandag om 9:00
//	every day 18:00           tous les jours à 18h   elke dag om 18:00
//	every weekday 9am         tous les jours ouvrés à 9h           elke werkdag om 9 uur
//	every month on the 1st 10:00   tous les mois le 1er à 10h   elke maand op de 1e om 10:00
//	cron "0 9 * * MON-FRI"
//
// A weekday alone is its next occurrence still to come (today if the time
// is later today); "next", "prochain" and "volgende" mean a later day than
// today. A date without a year is this year's, or next year's once it has
// passed. A numeric date whose order the team language does not settle
// (01/02 in English) is refused with both readings. Every failure is a
// *bot.Error whose key is in Messages.

// WhenOptions is what WHEN is read against.
type WhenOptions struct {
	Lang bot.Lang
	Loc  *time.Location
	Now  time.Time
}

// Parsed is a WHEN that was read.
type Parsed struct {
	Rule bot.PostRule
	// First is the first occurrence after Now.
	First time.Time
	// End is the byte offset in the input where WHEN ends.
	End int
}

// maxAhead bounds how far ahead a post can be scheduled.
const maxAhead = 10 * 366 * 24 * time.Hour

type token struct {
	w          string // folded: lower case, no accents, typographic apostrophes made plain
	raw        string
	start, end int
	quoted     bool
}

type parser struct {
	toks []token
	i    int
	o    WhenOptions
	now  time.Time // o.Now in o.Loc
}

// ParseWhen reads WHEN at the start of input.
func ParseWhen(input string, o WhenOptions) (Parsed, error) {
	if o.Loc == nil {
		o.Loc = time.UTC
	}
	p := &parser{o: o, now: o.Now.In(o.Loc)}
	for _, t := range bot.SplitArgs(input) {
		tk := token{w: fold(t.Text), raw: t.Text, start: t.Start, end: t.Start + len(t.Text)}
		if !strings.HasPrefix(input[t.Start:], t.Text) || t.Text == "" {
			// A quoted token: Start is the opening quote; end after the closing one.
			_, open := utf8.DecodeRuneInString(input[t.Start:])
			_, closing := utf8.DecodeRuneInString(input[min(t.Start+open+len(t.Text), len(input)):])
			tk.quoted, tk.end = true, min(t.Start+open+len(t.Text)+closing, len(input))
		}
		p.toks = append(p.toks, tk)
	}
	if len(p.toks) == 0 {
		return Parsed{}, bot.Invalid("schedule.when.empty")
	}
	rule, err := p.parse()
	if err != nil {
		return Parsed{}, err
	}
	out := Parsed{Rule: rule, End: p.toks[p.i-1].end}
	if rule.Kind == bot.RuleOnce {
		if !rule.At.After(o.Now) {
			return Parsed{}, bot.Invalid("schedule.when.past", p.span(0), rule.At.In(o.Loc).Format("2006-01-02 15:04 MST"))
		}
		if rule.At.Sub(o.Now) > maxAhead {
			return Parsed{}, bot.Invalid("schedule.when.too_far", p.span(0))
		}
		out.First = rule.At
		return out, nil
	}
	out.First = Next(rule, o.Now, o.Loc)
	if out.First.IsZero() {
		return Parsed{}, bot.Invalid("schedule.when.never", p.span(0))
	}
	return out, nil
}

// span is the input's WHEN from token from to the cursor, as typed.
func (p *parser) span(from int) string {
	if p.i <= from {
		return p.toks[min(from, len(p.toks)-1)].raw
	}
	parts := make([]string, 0, p.i-from)
	for _, t := range p.toks[from:p.i] {
		parts = append(parts, t.raw)
	}
	return strings.Join(parts, " ")
}

func (p *parser) peek(k int) string {
	if p.i+k < len(p.toks) {
		return strings.TrimRight(p.toks[p.i+k].w, ",")
	}
	return ""
}

// accept consumes the words ws if they come next.
func (p *parser) accept(ws ...string) bool {
	for k, w := range ws {
		if p.peek(k) != w {
			return false
		}
	}
	p.i += len(ws)
	return true
}

// acceptAny consumes the first of the word sequences that comes next.
func (p *parser) acceptAny(seqs ...[]string) bool {
	for _, s := range seqs {
		if p.accept(s...) {
			return true
		}
	}
	return false
}

func words(s ...string) [][]string {
	out := make([][]string, len(s))
	for i, w := range s {
		out[i] = strings.Fields(w)
	}
	return out
}

var (
	everyWords    = words("every", "each", "tous les", "toutes les", "chaque", "elke", "iedere")
	dayWords      = words("day", "jours", "jour", "dag")
	workdayWords  = words("weekday", "weekdays", "working day", "jours ouvres", "jours ouvrables", "jour ouvre", "jour ouvrable", "werkdag", "weekdag")
	monthWords    = words("month", "mois", "maand")
	monthOnWords  = words("on the", "on", "le", "op de", "op")
	atWords       = words("at", "a", "om", "vers")
	inWords       = words("in", "dans", "over")
	todayWords    = words("today", "aujourd'hui", "vandaag")
	tomorrowWords = words("tomorrow", "demain", "morgen")
	afterTomWords = words("day after tomorrow", "apres-demain", "apres demain", "overmorgen")
	tonightWords  = words("tonight", "this evening", "ce soir", "vanavond")
	nextWords     = words("next", "volgende", "komende")
	onWords       = words("on", "le", "op")
	andWords      = words("and", "et", "en", "&")
)

func (p *parser) parse() (bot.PostRule, error) {
	if p.accept("cron") {
		return p.cron()
	}
	if p.acceptAny(everyWords...) || p.accept("daily") || p.accept("dagelijks") {
		return p.recurring()
	}
	return p.once()
}

func (p *parser) cron() (bot.PostRule, error) {
	if p.i >= len(p.toks) {
		return bot.PostRule{}, bot.Invalid("schedule.when.cron_quotes")
	}
	t := p.toks[p.i]
	if !t.quoted {
		return bot.PostRule{}, bot.Invalid("schedule.when.cron_quotes")
	}
	p.i++
	expr := strings.Join(strings.Fields(t.raw), " ")
	if n := len(strings.Fields(expr)); n != 5 || !gronx.IsValid(expr) {
		return bot.PostRule{}, bot.Invalid("schedule.when.bad_cron", t.raw)
	}
	return bot.PostRule{Kind: bot.RuleCron, Cron: expr}, nil
}

// recurring reads what follows "every".
func (p *parser) recurring() (bot.PostRule, error) {
	start := p.i - 1
	var r bot.PostRule
	switch {
	case p.acceptAny(workdayWords...):
		r = bot.PostRule{Kind: bot.RuleWeekly, Weekdays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}}
	case p.acceptAny(dayWords...) || p.toks[p.i-1].w == "daily" || p.toks[p.i-1].w == "dagelijks":
		r = bot.PostRule{Kind: bot.RuleDaily}
	case p.acceptAny(monthWords...):
		p.acceptAny(monthOnWords...)
		d, ok := ordinal(p.peek(0))
		if !ok {
			return r, bot.Invalid("schedule.when.month_day", p.span(start))
		}
		p.i++
		p.accept("of", "the", "month")
		r = bot.PostRule{Kind: bot.RuleMonthly, MonthDay: d}
	default:
		for {
			wd, ok := weekday(p.peek(0))
			if !ok {
				break
			}
			p.i++
			r.Weekdays = append(r.Weekdays, wd)
			if !p.acceptAny(andWords...) {
				if _, more := weekday(p.peek(0)); !more {
					break
				}
			}
		}
		if len(r.Weekdays) == 0 {
			return r, bot.Invalid("schedule.when.every", p.span(start))
		}
		r.Kind = bot.RuleWeekly
	}
	h, m, ok, err := p.clock()
	if err != nil {
		return r, err
	}
	if !ok {
		return r, bot.Invalid("schedule.when.no_time", p.span(start))
	}
	r.Hour, r.Minute = h, m
	return r, nil
}

// once reads a one-off WHEN.
func (p *parser) once() (bot.PostRule, error) {
	if p.acceptAny(inWords...) {
		return p.relative()
	}
	if p.acceptAny(tonightWords...) {
		h, m, ok, err := p.clock()
		if err != nil {
			return bot.PostRule{}, err
		}
		if !ok {
			h, m = 20, 0
		} else if h < 12 {
			h += 12
		}
		y, mo, d := p.now.Date()
		return p.at(y, mo, d, h, m), nil
	}
	// A time first ("9am tomorrow", "9am").
	if h, m, ok, err := p.clock(); err != nil {
		return bot.PostRule{}, err
	} else if ok {
		mark := p.i
		y, mo, d, okDate, err := p.date(h, m)
		if err != nil {
			return bot.PostRule{}, err
		}
		if !okDate {
			p.i = mark
			y, mo, d = p.now.Date()
			if t := bot.LocalTime(p.o.Loc, y, mo, d, h, m); !t.After(p.o.Now) {
				d++
			}
		}
		return p.at(y, mo, d, h, m), nil
	}
	start := p.i
	p.acceptAny(onWords...)
	// The date needs the time to pick the weekday's day: read the date's
	// words first, then the time, then settle the date.
	dateStart := p.i
	if _, _, _, ok, err := p.date(0, 0); err != nil {
		return bot.PostRule{}, err
	} else if !ok {
		p.i = start
		return bot.PostRule{}, bot.Invalid("schedule.when.unknown", p.toks[start].raw)
	}
	dateEnd := p.i
	h, m, ok, err := p.clock()
	if err != nil {
		return bot.PostRule{}, err
	}
	if !ok {
		return bot.PostRule{}, bot.Invalid("schedule.when.no_time", p.span(start))
	}
	end := p.i
	p.i = dateStart
	y, mo, d, _, err := p.date(h, m)
	if err != nil {
		return bot.PostRule{}, err
	}
	if p.i != dateEnd {
		return bot.PostRule{}, bot.Invalid("schedule.when.unknown", p.toks[start].raw)
	}
	p.i = end
	return p.at(y, mo, d, h, m), nil
}

func (p *parser) at(y int, mo time.Month, d, h, m int) bot.PostRule {
	return bot.PostRule{Kind: bot.RuleOnce, At: bot.LocalTime(p.o.Loc, y, mo, d, h, m).UTC()}
}

// maxRelative bounds the number in "in N units".
const maxRelative = 100000

// relative reads "N units" after "in".
func (p *parser) relative() (bot.PostRule, error) {
	start := p.i - 1
	w := p.peek(0)
	n, unit := 0, ""
	switch w {
	case "a", "an", "un", "une", "een":
		n = 1
		p.i++
		unit = p.peek(0)
	default:
		digits := 0
		for digits < len(w) && w[digits] >= '0' && w[digits] <= '9' {
			digits++
		}
		if digits == 0 || digits > 6 {
			return bot.PostRule{}, bot.Invalid("schedule.when.relative", p.span(start))
		}
		n, _ = strconv.Atoi(w[:digits])
		p.i++
		unit = w[digits:]
		if unit == "" {
			unit = p.peek(0)
		} else {
			p.i-- // the unit is part of this token
		}
	}
	u, ok := units[unit]
	if !ok || n <= 0 || n > maxRelative {
		return bot.PostRule{}, bot.Invalid("schedule.when.relative", p.span(start))
	}
	p.i++
	switch u {
	case 'd', 'w':
		days := n
		if u == 'w' {
			days = 7 * n
		}
		if days > 3700 {
			return bot.PostRule{}, bot.Invalid("schedule.when.too_far", p.span(start))
		}
		y, mo, d := p.now.Date()
		return p.at(y, mo, d+days, p.now.Hour(), p.now.Minute()), nil
	}
	step := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour}[u]
	// Whole seconds (occurrence keys have no more), rounded up: never early.
	at := p.o.Now.Add(time.Duration(n)*step + time.Second - 1).Truncate(time.Second)
	return bot.PostRule{Kind: bot.RuleOnce, At: at.UTC()}, nil
}

var units = map[string]byte{}

func init() {
	for u, ws := range map[byte]string{
		's': "s sec secs second seconds seconde secondes seconden",
		'm': "m min mins minute minutes minuut minuten",
		'h': "h hr hrs hour hours heure heures uur uren u",
		'd': "d day days jour jours dag dagen",
		'w': "w wk week weeks semaine semaines weken",
	} {
		for _, w := range strings.Fields(ws) {
			units[w] = u
		}
	}
}

// date reads a date; with the time h:m it settles a weekday to the next
// such day still to come. ok is false when no date words come next.
func (p *parser) date(h, m int) (y int, mo time.Month, d int, ok bool, err error) {
	y, mo, d = p.now.Date()
	start := p.i
	switch {
	case p.acceptAny(afterTomWords...):
		return y, mo, d + 2, true, nil
	case p.acceptAny(todayWords...):
		return y, mo, d, true, nil
	case p.acceptAny(tomorrowWords...):
		return y, mo, d + 1, true, nil
	}
	next := p.acceptAny(nextWords...)
	p.accept("ce") // "ce lundi"
	if wd, isDay := weekday(p.peek(0)); isDay {
		p.i++
		if p.accept("prochain") || p.accept("prochaine") {
			next = true
		}
		from := 0
		if next {
			from = 1
		}
		for k := from; k < from+8; k++ {
			c := time.Date(y, mo, d+k, 12, 0, 0, 0, p.o.Loc)
			if c.Weekday() != wd {
				continue
			}
			if k > 0 || bot.LocalTime(p.o.Loc, y, mo, d, h, m).After(p.o.Now) {
				return c.Year(), c.Month(), c.Day(), true, nil
			}
		}
		return 0, 0, 0, false, bot.Invalid("schedule.when.unknown", p.span(start))
	}
	if next {
		p.i = start
		return 0, 0, 0, false, nil
	}
	w := p.peek(0)
	if y, mo, d, ok, err := p.numericDate(w, h, m); ok || err != nil {
		return y, mo, d, ok, err
	}
	// "1 december", "1er décembre 2026", "december 1st"
	if n, isDay := ordinal(w); isDay {
		if month, isMonth := months[p.peek(1)]; isMonth {
			p.i += 2
			return p.withYear(n, month, h, m, p.span(start))
		}
	}
	if month, isMonth := months[w]; isMonth {
		if n, isDay := ordinal(p.peek(1)); isDay {
			p.i += 2
			return p.withYear(n, month, h, m, p.span(start))
		}
	}
	return 0, 0, 0, false, nil
}

// withYear reads an optional year after day n of month.
func (p *parser) withYear(n int, month time.Month, h, m int, typed string) (int, time.Month, int, bool, error) {
	if yy, err := strconv.Atoi(p.peek(0)); err == nil && len(p.peek(0)) == 4 {
		p.i++
		return p.checkDate(yy, month, n, typed)
	}
	return p.guessYear(n, month, h, m, typed)
}

// numericDate reads 2026-12-01, 01/12, 01/12/2026 or 1.12.2026.
func (p *parser) numericDate(w string, h, m int) (int, time.Month, int, bool, error) {
	var parts []string
	switch {
	case strings.Count(w, "-") == 2:
		parts = strings.Split(w, "-")
		if len(parts[0]) == 4 { // ISO
			yy, e1 := strconv.Atoi(parts[0])
			mm, e2 := strconv.Atoi(parts[1])
			dd, e3 := strconv.Atoi(parts[2])
			p.i++
			if e1 != nil || e2 != nil || e3 != nil {
				return 0, 0, 0, false, bot.Invalid("schedule.when.bad_date", w)
			}
			return p.checkDate(yy, time.Month(mm), dd, w)
		}
	case strings.Count(w, "/") >= 1:
		parts = strings.Split(w, "/")
	case strings.Count(w, ".") >= 1 && w[0] >= '0' && w[0] <= '9' && !strings.Contains(p.peek(1), "uur"):
		parts = strings.Split(strings.TrimSuffix(w, "."), ".")
	default:
		return 0, 0, 0, false, nil
	}
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, false, nil
	}
	nums := make([]int, len(parts))
	for i, s := range parts {
		v, err := strconv.Atoi(s)
		if err != nil || s == "" || len(s) > 4 {
			if i == 0 {
				return 0, 0, 0, false, nil
			}
			p.i++
			return 0, 0, 0, false, bot.Invalid("schedule.when.bad_date", w)
		}
		nums[i] = v
	}
	p.i++
	a, b := nums[0], nums[1]
	day, month := a, b
	if p.o.Lang == bot.English || p.o.Lang == "" {
		switch {
		case a > 12 && b <= 12:
			day, month = a, b
		case b > 12 && a <= 12:
			day, month = b, a
		case a != b:
			yy := p.now.Year()
			if len(nums) == 3 {
				yy = fullYear(nums[2])
			}
			first := time.Date(yy, time.Month(a), b, 0, 0, 0, 0, time.UTC)
			second := time.Date(yy, time.Month(b), a, 0, 0, 0, 0, time.UTC)
			return 0, 0, 0, false, bot.Invalid("schedule.when.ambiguous", w,
				first.Format("January 2"), second.Format("January 2"), first.Format("2006-01-02"), second.Format("2006-01-02"))
		}
	}
	if len(nums) == 3 {
		return p.checkDate(fullYear(nums[2]), time.Month(month), day, w)
	}
	return p.guessYear(day, time.Month(month), h, m, w)
}

func fullYear(y int) int {
	if y < 100 {
		return 2000 + y
	}
	return y
}

// checkDate refuses dates that do not exist (31/02) or years out of reach.
func (p *parser) checkDate(y int, mo time.Month, d int, typed string) (int, time.Month, int, bool, error) {
	if !validDate(y, mo, d) {
		return 0, 0, 0, false, bot.Invalid("schedule.when.bad_date", typed)
	}
	if y > p.now.Year()+10 {
		return 0, 0, 0, false, bot.Invalid("schedule.when.too_far", typed)
	}
	return y, mo, d, true, nil
}

// validDate reports whether y-mo-d exists.
func validDate(y int, mo time.Month, d int) bool {
	t := time.Date(y, mo, d, 12, 0, 0, 0, time.UTC)
	return mo >= 1 && mo <= 12 && d >= 1 && t.Day() == d && t.Month() == mo
}

// guessYear picks this year for a date without one, or next year when the
// date is before today.
func (p *parser) guessYear(d int, mo time.Month, h, m int, typed string) (int, time.Month, int, bool, error) {
	y := p.now.Year()
	if !validDate(2028, mo, d) { // a leap year, so 29 February is a date
		return 0, 0, 0, false, bot.Invalid("schedule.when.bad_date", typed)
	}
	ty, tm, td := p.now.Date()
	today := time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)
	for ; y <= ty+8; y++ {
		c := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
		if c.Day() == d && !c.Before(today) {
			return y, mo, d, true, nil
		}
	}
	return 0, 0, 0, false, bot.Invalid("schedule.when.bad_date", typed)
}

// clock reads a time of day: 09:00, 9am, 9 pm, 9h, 9h30, 9 uur, 9u30, noon,
// midi, with an optional "at", "à", "om" before it. A bare hour is a time
// only after such a word. ok is false (and nothing consumed) when no time
// comes next; err is set when one was attempted and is not a time.
func (p *parser) clock() (h, m int, ok bool, err error) {
	start := p.i
	prep := p.acceptAny(atWords...)
	w := p.peek(0)
	switch w {
	case "noon", "midday", "midi":
		p.i++
		return 12, 0, true, nil
	}
	if w == "" || w[0] < '0' || w[0] > '9' || strings.ContainsAny(w, "/-") {
		p.i = start
		return 0, 0, false, nil
	}
	p.i++
	num, suffix := splitNumber(w)
	h, m, valid := hourMinute(num)
	if suffix == "" {
		switch n := p.peek(0); n {
		case "am", "pm", "a.m.", "p.m.", "h", "uur", "u":
			suffix = n
			p.i++
		}
	}
	switch suffix {
	case "":
		if !strings.ContainsAny(num, ":") && !prep {
			p.i = start
			return 0, 0, false, nil
		}
		if strings.Contains(num, ".") && p.peek(0) != "uur" {
			valid = false
		}
	case "am", "a.m.", "pm", "p.m.":
		if h < 1 || h > 12 {
			valid = false
		}
		h %= 12
		if suffix[0] == 'p' {
			h += 12
		}
	case "h", "uur", "u":
	default:
		// 9h30, 9u30
		mins := suffix[1:]
		if (suffix[0] == 'h' || suffix[0] == 'u') && len(mins) == 2 && !strings.ContainsAny(num, ":.") {
			mm, e := strconv.Atoi(mins)
			m, valid = mm, valid && e == nil
		} else {
			valid = false
		}
	}
	if !valid || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, false, bot.Invalid("schedule.when.bad_time", p.span(start))
	}
	return h, m, true, nil
}

// splitNumber splits "9:30am" into "9:30" and "am".
func splitNumber(w string) (string, string) {
	i := 0
	for i < len(w) && (w[i] >= '0' && w[i] <= '9' || w[i] == ':' || w[i] == '.') {
		i++
	}
	return w[:i], w[i:]
}

// hourMinute reads "9", "09:00", "9.30".
func hourMinute(num string) (int, int, bool) {
	hs, ms, has := strings.Cut(num, ":")
	if !has {
		hs, ms, has = strings.Cut(num, ".")
	}
	if hs == "" || len(hs) > 2 {
		return 0, 0, false
	}
	h, err := strconv.Atoi(hs)
	if err != nil {
		return 0, 0, false
	}
	if !has {
		return h, 0, true
	}
	if len(ms) != 2 {
		return 0, 0, false
	}
	m, err := strconv.Atoi(ms)
	return h, m, err == nil
}

// ordinal reads 1, 1st, 2nd, 3rd, 4th, 1er, 1re, 2e, 2eme, 1ste, 2de, 8ste.
func ordinal(w string) (int, bool) {
	i := 0
	for i < len(w) && w[i] >= '0' && w[i] <= '9' {
		i++
	}
	if i == 0 || i > 2 {
		return 0, false
	}
	switch w[i:] {
	case "", "st", "nd", "rd", "th", "er", "re", "e", "eme", "ste", "de":
	default:
		return 0, false
	}
	n, _ := strconv.Atoi(w[:i])
	return n, n >= 1 && n <= 31
}

var weekdays = map[string]time.Weekday{}
var months = map[string]time.Month{}

func init() {
	for i, ws := range []string{
		"sunday sundays sun dimanche dimanches zondag zondagen",
		"monday mondays mon lundi lundis maandag maandagen",
		"tuesday tuesdays tue tues mardi mardis dinsdag dinsdagen",
		"wednesday wednesdays wed mercredi mercredis woensdag woensdagen",
		"thursday thursdays thu thur thurs jeudi jeudis donderdag donderdagen",
		"friday fridays fri vendredi vendredis vrijdag vrijdagen",
		"saturday saturdays sat samedi samedis zaterdag zaterdagen",
	} {
		for _, w := range strings.Fields(ws) {
			weekdays[w] = time.Weekday(i)
		}
	}
	for i, ws := range []string{
		"january jan janvier januari", "february feb fevrier februari", "march mar mars maart",
		"april apr avril", "may mai mei", "june jun juin juni", "july jul juillet juli",
		"august aug aout augustus", "september sep sept septembre", "october oct octobre oktober",
		"november nov novembre", "december dec decembre",
	} {
		for _, w := range strings.Fields(ws) {
			months[w] = time.Month(i + 1)
		}
	}
}

func weekday(w string) (time.Weekday, bool) {
	d, ok := weekdays[w]
	return d, ok
}

// fold lower-cases w, drops French accents and makes apostrophes plain.
func fold(w string) string {
	return strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "à", "a", "â", "a", "ù", "u", "û", "u",
		"ô", "o", "î", "i", "ï", "i", "ç", "c", "’", "'").Replace(strings.ToLower(w))
}

// Next returns r's first occurrence strictly after after, read in loc, or
// the zero time when there is none (a one-off post already past).
func Next(r bot.PostRule, after time.Time, loc *time.Location) time.Time {
	switch r.Kind {
	case bot.RuleOnce:
		if r.At.After(after) {
			return r.At
		}
		return time.Time{}
	case bot.RuleDaily:
		return bot.NextLocal(after, loc, r.Hour, r.Minute, bot.EveryDay)
	case bot.RuleWeekly:
		return bot.NextLocal(after, loc, r.Hour, r.Minute, bot.OnWeekdays(r.Weekdays...))
	case bot.RuleMonthly:
		return bot.NextLocal(after, loc, r.Hour, r.Minute, bot.OnMonthDay(r.MonthDay))
	case bot.RuleCron:
		return nextCron(r.Cron, after, loc)
	}
	return time.Time{}
}

// nextCron matches the expression against wall-clock minutes in loc (read
// as if in UTC, where no minute is skipped or repeated) and maps the
// matching wall time back with bot.LocalTime, so a time the October change
// repeats fires once and one the March change skips fires after the gap.
func nextCron(expr string, after time.Time, loc *time.Location) time.Time {
	l := after.In(loc)
	wall := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), 0, 0, time.UTC)
	for range 1000 {
		nw, err := gronx.NextTickAfter(expr, wall, false)
		if err != nil || !nw.After(wall) {
			return time.Time{}
		}
		t := bot.LocalTime(loc, nw.Year(), nw.Month(), nw.Day(), nw.Hour(), nw.Minute())
		if t.After(after) {
			return t
		}
		wall = nw
	}
	return time.Time{}
}
