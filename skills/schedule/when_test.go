package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// local reads "2026-11-27 09:00" in loc.
func local(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestParseWhen is the specification of WHEN. The reference time is
// Thursday 26 November 2026, 10:30 in the zone of the case.
func TestParseWhen(t *testing.T) {
	paris, ny := zone(t, "Europe/Paris"), zone(t, "America/New_York")
	tests := []struct {
		in   string
		lang bot.Lang
		loc  *time.Location
		now  string // local; default 2026-11-26 10:30
		kind bot.RuleKind
		// first is the first occurrence, local to loc, "2006-01-02 15:04";
		// offset is its UTC offset as the confirmation shows it.
		first  string
		offset string
		rest   string // the text after WHEN
	}{
		// Dates and times, one-off.
		{in: "2026-12-01 09:00 Notre nouvelle offre arrive !", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-12-01 09:00", offset: "+0100", rest: "Notre nouvelle offre arrive !"},
		{in: "2026-12-01 09:00 Big news", lang: bot.English, loc: ny, kind: bot.RuleOnce, first: "2026-12-01 09:00", offset: "-0500", rest: "Big news"},
		{in: "01/12 9h Bonjour", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-12-01 09:00", offset: "+0100", rest: "Bonjour"},
		{in: "01/12 9h Hallo", lang: bot.Dutch, loc: paris, kind: bot.RuleOnce, first: "2026-12-01 09:00", rest: "Hallo"},
		{in: "12/25 9am Merry", lang: bot.English, loc: ny, kind: bot.RuleOnce, first: "2026-12-25 09:00", rest: "Merry"},
		{in: "25/12 9am Merry", lang: bot.English, loc: ny, kind: bot.RuleOnce, first: "2026-12-25 09:00", rest: "Merry"},
		{in: "15/01/2027 14:30 x", lang: bot.Dutch, loc: paris, kind: bot.RuleOnce, first: "2027-01-15 14:30", rest: "x"},
		{in: "15-01-2027 om 14:30 x", lang: bot.Dutch, loc: paris, kind: bot.RuleOnce, first: "2027-01-15 14:30", rest: "x"},
		{in: "1.12. 9u30 x", lang: bot.Dutch, loc: paris, kind: bot.RuleOnce, first: "2026-12-01 09:30", rest: "x"},
		{in: "29/02 9h x", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2028-02-29 09:00", rest: "x"},
		{in: "01/03 9h x", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2027-03-01 09:00", offset: "+0100", rest: "x"},
		{in: "1 december 9am x", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-12-01 09:00", rest: "x"},
		{in: "december 1st at 9am x", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-12-01 09:00", rest: "x"},
		{in: "le 1er décembre à 10h x", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-12-01 10:00", rest: "x"},
		{in: "1 december 2027 om 10 uur x", lang: bot.Dutch, loc: paris, kind: bot.RuleOnce, first: "2027-12-01 10:00", rest: "x"},
		{in: "tomorrow 9am Bonjour à tous", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-11-27 09:00", rest: "Bonjour à tous"},
		{in: "tomorrow at 9:30pm x", lang: bot.English, loc: ny, kind: bot.RuleOnce, first: "2026-11-27 21:30", rest: "x"},
		{in: "Demain 9h x", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-11-27 09:00", rest: "x"},
		{in: "demain à 9h30 x", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-11-27 09:30", rest: "x"},
		{in: "demain à midi x", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-11-27 12:00", rest: "x"},
		{in: "après-demain 8h x", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-11-28 08:00", rest: "x"},
		{in: "morgen om 9 uur x", lang: bot.Dutch, loc: paris, kind: bot.RuleOnce, first: "2026-11-27 09:00", rest: "x"},
		{in: "morgen 9u x", lang: bot.Dutch, loc: paris, kind: bot.RuleOnce, first: "2026-11-27 09:00", rest: "x"},
		{in: "overmorgen om 9.30 uur x", lang: bot.Dutch, loc: paris, kind: bot.RuleOnce, first: "2026-11-28 09:30", rest: "x"},
		{in: "today 18:00 x", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 18:00", rest: "x"},
		{in: "aujourd'hui à 18h x", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 18:00", rest: "x"},
		{in: "aujourd’hui 18h x", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 18:00", rest: "x"},
		{in: "vandaag om 18:00 x", lang: bot.Dutch, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 18:00", rest: "x"},
		{in: "9am tomorrow x", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-11-27 09:00", rest: "x"},
		{in: "18:00 x", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 18:00", rest: "x"},
		{in: "9am x", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-11-27 09:00", rest: "x"},
		// Relative.
		{in: "in 2 hours Hello", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 12:30", rest: "Hello"},
		{in: "dans 2 heures Salut", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 12:30", rest: "Salut"},
		{in: "over 2 uur Hoi", lang: bot.Dutch, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 12:30", rest: "Hoi"},
		{in: "in 90 seconds x", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 10:31", rest: "x"},
		{in: "dans 30 secondes x", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 10:30", rest: "x"},
		{in: "in 30 min x", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 11:00", rest: "x"},
		{in: "in 2h x", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 12:30", rest: "x"},
		{in: "in an hour x", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 11:30", rest: "x"},
		{in: "dans une heure x", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 11:30", rest: "x"},
		{in: "over een uur x", lang: bot.Dutch, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 11:30", rest: "x"},
		{in: "in 3 days x", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-11-29 10:30", rest: "x"},
		{in: "dans 2 semaines x", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-12-10 10:30", rest: "x"},
		// "in 3 days" keeps the wall time across the March change (never +72 h).
		{in: "in 3 days x", lang: bot.English, loc: paris, now: "2026-03-27 10:30", kind: bot.RuleOnce, first: "2026-03-30 10:30", offset: "+0200", rest: "x"},
		// "in 2 hours" is elapsed time: across the change it reads one hour later on the clock.
		{in: "in 2 hours x", lang: bot.English, loc: paris, now: "2026-03-29 01:30", kind: bot.RuleOnce, first: "2026-03-29 04:30", offset: "+0200", rest: "x"},
		// Weekdays.
		{in: "monday 10:00 x", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-11-30 10:00", rest: "x"},
		{in: "on monday at 10am x", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-11-30 10:00", rest: "x"},
		{in: "thursday 18:00 x", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 18:00", rest: "x"},
		{in: "thursday 09:00 x", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-12-03 09:00", rest: "x"},
		{in: "next thursday 18:00 x", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-12-03 18:00", rest: "x"},
		{in: "lundi prochain à 10h x", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-11-30 10:00", rest: "x"},
		{in: "lundi prochain à 10:00 x", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-11-30 10:00", rest: "x"},
		{in: "jeudi prochain 18h x", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-12-03 18:00", rest: "x"},
		{in: "volgende maandag 10:00 x", lang: bot.Dutch, loc: paris, kind: bot.RuleOnce, first: "2026-11-30 10:00", rest: "x"},
		{in: "vrijdag om 9 uur x", lang: bot.Dutch, loc: paris, kind: bot.RuleOnce, first: "2026-11-27 09:00", rest: "x"},
		// Tonight.
		{in: "tonight Party", lang: bot.English, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 20:00", rest: "Party"},
		{in: "tonight at 9 x", lang: bot.English, loc: ny, kind: bot.RuleOnce, first: "2026-11-26 21:00", rest: "x"},
		{in: "ce soir On se voit", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 20:00", rest: "On se voit"},
		{in: "ce soir à 21h x", lang: bot.French, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 21:00", rest: "x"},
		{in: "vanavond x", lang: bot.Dutch, loc: paris, kind: bot.RuleOnce, first: "2026-11-26 20:00", rest: "x"},
		// Recurring.
		{in: "every monday 09:00 Weekly thread: what are you building?", lang: bot.English, loc: paris, kind: bot.RuleWeekly, first: "2026-11-30 09:00", rest: "Weekly thread: what are you building?"},
		{in: "tous les lundis à 9h Fil de la semaine", lang: bot.French, loc: paris, kind: bot.RuleWeekly, first: "2026-11-30 09:00", rest: "Fil de la semaine"},
		{in: "elke maandag om 9:00 Weekdraad", lang: bot.Dutch, loc: paris, kind: bot.RuleWeekly, first: "2026-11-30 09:00", rest: "Weekdraad"},
		{in: "every monday and thursday 9am x", lang: bot.English, loc: paris, kind: bot.RuleWeekly, first: "2026-11-30 09:00", rest: "x"},
		{in: "every day 18:00 x", lang: bot.English, loc: paris, kind: bot.RuleDaily, first: "2026-11-26 18:00", rest: "x"},
		{in: "daily at 9am x", lang: bot.English, loc: paris, kind: bot.RuleDaily, first: "2026-11-27 09:00", rest: "x"},
		{in: "tous les jours à 18h x", lang: bot.French, loc: paris, kind: bot.RuleDaily, first: "2026-11-26 18:00", rest: "x"},
		{in: "elke dag om 18:00 x", lang: bot.Dutch, loc: paris, kind: bot.RuleDaily, first: "2026-11-26 18:00", rest: "x"},
		{in: "every weekday 9am x", lang: bot.English, loc: paris, now: "2026-11-27 10:30", kind: bot.RuleWeekly, first: "2026-11-30 09:00", rest: "x"},
		{in: "tous les jours ouvrés à 9h x", lang: bot.French, loc: paris, kind: bot.RuleWeekly, first: "2026-11-27 09:00", rest: "x"},
		{in: "elke werkdag om 9 uur x", lang: bot.Dutch, loc: paris, kind: bot.RuleWeekly, first: "2026-11-27 09:00", rest: "x"},
		{in: "every month on the 1st 10:00 x", lang: bot.English, loc: paris, kind: bot.RuleMonthly, first: "2026-12-01 10:00", rest: "x"},
		{in: "tous les mois le 1er à 10h x", lang: bot.French, loc: paris, kind: bot.RuleMonthly, first: "2026-12-01 10:00", rest: "x"},
		{in: "elke maand op de 1e om 10:00 x", lang: bot.Dutch, loc: paris, kind: bot.RuleMonthly, first: "2026-12-01 10:00", rest: "x"},
		{in: "every month on the 31st 10:00 x", lang: bot.English, loc: paris, kind: bot.RuleMonthly, first: "2026-12-31 10:00", rest: "x"},
		{in: `cron "0 9 * * MON-FRI" Standup`, lang: bot.English, loc: paris, kind: bot.RuleCron, first: "2026-11-27 09:00", rest: "Standup"},
		{in: `cron '30 18 * * *' x`, lang: bot.English, loc: ny, kind: bot.RuleCron, first: "2026-11-26 18:30", rest: "x"},
		{in: `cron “0 12 1 * *” x`, lang: bot.French, loc: paris, kind: bot.RuleCron, first: "2026-12-01 12:00", rest: "x"},
		// WHEN alone (schedule edit ID when …).
		{in: "every day 18:00", lang: bot.English, loc: paris, kind: bot.RuleDaily, first: "2026-11-26 18:00", rest: ""},
	}
	for _, tc := range tests {
		t.Run(string(tc.lang)+"/"+tc.in, func(t *testing.T) {
			now := tc.now
			if now == "" {
				now = "2026-11-26 10:30"
			}
			got, err := ParseWhen(tc.in, WhenOptions{Lang: tc.lang, Loc: tc.loc, Now: local(t, tc.loc, now)})
			if err != nil {
				t.Fatalf("ParseWhen: %v", err)
			}
			if got.Rule.Kind != tc.kind {
				t.Errorf("kind = %s, want %s", got.Rule.Kind, tc.kind)
			}
			first := got.First.In(tc.loc)
			if s := first.Format("2006-01-02 15:04"); s != tc.first {
				t.Errorf("first = %s, want %s", s, tc.first)
			}
			if tc.offset != "" && first.Format("-0700") != tc.offset {
				t.Errorf("offset = %s, want %s", first.Format("-0700"), tc.offset)
			}
			if rest := strings.TrimSpace(tc.in[got.End:]); rest != tc.rest {
				t.Errorf("rest = %q, want %q", rest, tc.rest)
			}
		})
	}
}

// TestParseWhenRefusals: every refusal is a specific message, in the three
// languages, and nothing is guessed.
func TestParseWhenRefusals(t *testing.T) {
	paris := zone(t, "Europe/Paris")
	now := local(t, paris, "2026-11-26 10:30")
	cat := bot.NewCatalog(Messages())
	tests := []struct {
		in   string
		lang bot.Lang
		key  string
		// shown must appear in the English message.
		shown []string
	}{
		{"", bot.English, "schedule.when.empty", nil},
		{"01/02 9am x", bot.English, "schedule.when.ambiguous", []string{"January 2", "February 1", "2026-01-02", "2026-02-01"}},
		{"2026-11-01 09:00 x", bot.English, "schedule.when.past", []string{"2026-11-01 09:00"}},
		{"today 9am x", bot.English, "schedule.when.past", nil},
		{"tomorrow Bonjour", bot.English, "schedule.when.no_time", []string{"tomorrow"}},
		{"demain 25h x", bot.French, "schedule.when.bad_time", []string{"25h"}},
		{"tomorrow 13pm x", bot.English, "schedule.when.bad_time", []string{"13pm"}},
		{"31/02 9h x", bot.French, "schedule.when.bad_date", []string{"31/02"}},
		{"02/13 9h x", bot.French, "schedule.when.bad_date", []string{"02/13"}},
		{"2040-01-01 09:00 x", bot.English, "schedule.when.too_far", nil},
		{"soon x", bot.English, "schedule.when.unknown", []string{"soon"}},
		{"every 9am x", bot.English, "schedule.when.every", nil},
		{"every monday x", bot.English, "schedule.when.no_time", []string{"every monday"}},
		{"every month on the 32nd 9am", bot.English, "schedule.when.month_day", nil},
		{"in lots of time", bot.English, "schedule.when.relative", nil},
		{"in 3 fortnights", bot.English, "schedule.when.relative", nil},
		{"cron 0 9 * * *", bot.English, "schedule.when.cron_quotes", nil},
		{`cron "0 9 * *" x`, bot.English, "schedule.when.bad_cron", []string{"0 9 * *"}},
		{`cron "61 9 * * *" x`, bot.English, "schedule.when.bad_cron", nil},
		{`cron "0 0 30 2 *" x`, bot.English, "schedule.when.never", nil},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseWhen(tc.in, WhenOptions{Lang: tc.lang, Loc: paris, Now: now})
			var de *bot.Error
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a *bot.Error", err)
			}
			if de.Key != tc.key {
				t.Fatalf("key = %s (%v), want %s", de.Key, de.Args, tc.key)
			}
			en := cat.T(bot.English, de.Key, de.Args...)
			for _, s := range tc.shown {
				if !strings.Contains(en, s) {
					t.Errorf("message %q does not show %q", en, s)
				}
			}
			for _, l := range bot.Langs() {
				if msg := cat.T(l, de.Key, de.Args...); msg == de.Key || strings.Contains(msg, "%!") {
					t.Errorf("%s message for %s is %q", l, de.Key, msg)
				}
			}
		})
	}
}

// TestCalendar: recurring posts keep their local time across the changes.
func TestCalendar(t *testing.T) {
	paris, ny := zone(t, "Europe/Paris"), zone(t, "America/New_York")
	occurrences := func(in string, loc *time.Location, from string, n int) []string {
		t.Helper()
		p, err := ParseWhen(in, WhenOptions{Lang: bot.English, Loc: loc, Now: local(t, loc, from)})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		at := p.First
		for range n {
			out = append(out, at.UTC().Format("01-02 15:04Z")+" "+at.In(loc).Format("15:04 -0700"))
			at = Next(p.Rule, at, loc)
		}
		return out
	}
	tests := []struct {
		name     string
		in, from string
		loc      *time.Location
		want     []string
	}{
		{"weekly 09:00 Paris across the last Sunday of March", "every monday 09:00", "2026-03-20 12:00", paris,
			[]string{"03-23 08:00Z 09:00 +0100", "03-30 07:00Z 09:00 +0200", "04-06 07:00Z 09:00 +0200"}},
		{"weekly 09:00 Paris across the last Sunday of October", "every monday 09:00", "2026-10-20 12:00", paris,
			[]string{"10-26 08:00Z 09:00 +0100", "11-02 08:00Z 09:00 +0100"}},
		{"weekly Sunday 09:00 Paris on the change days", "every sunday 09:00", "2026-03-28 12:00", paris,
			[]string{"03-29 07:00Z 09:00 +0200"}},
		{"weekly Sunday 09:00 Paris on the October change", "every sunday 09:00", "2026-10-24 12:00", paris,
			[]string{"10-25 08:00Z 09:00 +0100", "11-01 08:00Z 09:00 +0100"}},
		{"daily 02:30 on the spring-forward night runs after the gap", "every day 02:30", "2026-03-28 12:00", paris,
			[]string{"03-29 01:30Z 03:30 +0200", "03-30 00:30Z 02:30 +0200"}},
		{"daily 02:30 on the fall-back night runs once", "every day 02:30", "2026-10-24 12:00", paris,
			[]string{"10-25 00:30Z 02:30 +0200", "10-26 01:30Z 02:30 +0100"}},
		{"daily 02:30 New York spring-forward", "every day 02:30", "2026-03-07 12:00", ny,
			[]string{"03-08 07:30Z 03:30 -0400", "03-09 06:30Z 02:30 -0400"}},
		{"weekday 9am New York across November", "every weekday 9am", "2026-10-30 12:00", ny,
			[]string{"11-02 14:00Z 09:00 -0500"}},
		{"cron hourly at :30 fires once in the repeated October hour", `cron "30 * * * *"`, "2026-10-25 01:00", paris,
			[]string{"10-24 23:30Z 01:30 +0200", "10-25 00:30Z 02:30 +0200", "10-25 02:30Z 03:30 +0100", "10-25 03:30Z 04:30 +0100"}},
		{"cron 02:30 daily on the October change fires once", `cron "30 2 * * *"`, "2026-10-24 12:00", paris,
			[]string{"10-25 00:30Z 02:30 +0200", "10-26 01:30Z 02:30 +0100"}},
		{"cron 02:30 daily on the March change fires after the gap", `cron "30 2 * * *"`, "2026-03-28 12:00", paris,
			[]string{"03-29 01:30Z 03:30 +0200", "03-30 00:30Z 02:30 +0200"}},
		{"cron weekdays 9:00 keeps 09:00 across March", `cron "0 9 * * MON-FRI"`, "2026-03-27 10:00", paris,
			[]string{"03-30 07:00Z 09:00 +0200"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := occurrences(tc.in, tc.loc, tc.from, len(tc.want))
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("occurrences:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// FuzzParseWhen: no input panics, and every refusal is a catalogued,
// translated message.
func FuzzParseWhen(f *testing.F) {
	for _, s := range []string{"2026-12-01 09:00 x", "01/12 9h", "tomorrow 9am", "demain 9h", "morgen om 9 uur",
		"in 2 hours", "dans 2 heures", "over 2 uur", "monday 10:00", "lundi prochain à 10h", "volgende maandag 10:00",
		"tonight", "ce soir", "every monday 09:00", "tous les lundis à 9h", "elke maandag om 9:00", "every day 18:00",
		"every weekday 9am", "every month on the 1st 10:00", `cron "0 9 * * MON-FRI"`, `cron ""`, "in 9999999 days", "9:", "\"", "“x"} {
		f.Add(s, "en")
		f.Add(s, "fr")
	}
	paris := zone(f, "Europe/Paris")
	now := local(f, paris, "2026-11-26 10:30")
	cat := bot.NewCatalog(Messages())
	f.Fuzz(func(t *testing.T, in, lang string) {
		p, err := ParseWhen(in, WhenOptions{Lang: bot.Lang(lang), Loc: paris, Now: now})
		if err == nil {
			if p.End < 0 || p.End > len(in) || !p.First.After(now) {
				t.Fatalf("%q: end %d of %d, first %v", in, p.End, len(in), p.First)
			}
			return
		}
		var de *bot.Error
		if !errors.As(err, &de) {
			t.Fatalf("%q: %v is not a *bot.Error", in, err)
		}
		for _, l := range bot.Langs() {
			if msg := cat.T(l, de.Key, de.Args...); msg == de.Key || strings.HasPrefix(msg, de.Key+" ") || strings.Contains(msg, "%!") {
				t.Fatalf("%q: %s message for %s is %q", in, l, de.Key, msg)
			}
		}
	})
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Hour: "1h", 30 * time.Minute: "30m", 90 * time.Minute: "1h30m", 45 * time.Second: "45s", 24 * time.Hour: "24h"} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
