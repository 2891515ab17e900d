package digest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// maxOpenListed bounds the open items a digest lists.
const maxOpenListed = 5

// t renders a catalogue key.
func (s *Skill) t(lang bot.Lang, key string, args ...any) string {
	return s.cfg.Catalog.T(lang, key, args...)
}

// render turns a report into the digest card. A report with no activity is
// a card with a one-line title and nothing else.
func (s *Skill) render(lang bot.Lang, r *report) bot.Card {
	from, to := r.From.In(r.Loc), r.To.In(r.Loc)
	weekly := r.To.Sub(r.From) > 25*time.Hour
	titleKey := "digest.title.daily"
	if weekly {
		titleKey = "digest.title.weekly"
	}
	// A day is named by the day most of it lies in; a week by its last day.
	day := s.fmtDay(lang, r.From.Add(r.To.Sub(r.From)/2).In(r.Loc))
	if weekly {
		day = s.fmtDay(lang, to.Add(-time.Minute))
	}
	if r.empty() {
		return bot.Card{Title: s.t(lang, "digest.empty", s.t(lang, titleKey, day))}
	}
	card := bot.Card{
		Title:   s.t(lang, titleKey, day),
		Context: s.t(lang, "digest.context", s.fmtWhen(lang, from), s.fmtWhen(lang, to), r.Loc.String()),
		Tone:    bot.ToneNeutral,
	}
	add := func(key, value string) {
		card.Fields = append(card.Fields, bot.Field{Name: s.t(lang, key), Value: value})
	}

	// Volume.
	var b strings.Builder
	b.WriteString(s.t(lang, "digest.messages.total", r.Messages, s.change(lang, float64(r.Messages), r.MessagesPrev)))
	for i, c := range r.ByChannel {
		if i == 6 {
			break
		}
		b.WriteString("\n" + s.t(lang, "digest.messages.channel", channelName(c.Channel), c.Messages, s.change(lang, float64(c.Messages), c.Prev)))
	}
	if kinds := s.kindList(lang, r.ByKind, bot.KindComplaint, bot.KindQuestion, bot.KindPraise, bot.KindMention, bot.KindSpam); kinds != "" {
		b.WriteString("\n" + kinds)
	}
	add("digest.f.messages", b.String())

	// Inbox items.
	items := s.t(lang, "digest.items.total", r.Items, s.change(lang, float64(r.Items), r.ItemsPrev))
	if kinds := s.kindList(lang, r.ItemKinds, bot.KindComplaint, bot.KindQuestion, bot.KindPraise, bot.KindMention, bot.KindOther); kinds != "" {
		items += "\n" + kinds
	}
	add("digest.f.items", items)

	// Complaints.
	comp := s.t(lang, "digest.complaints.total", r.Complaints)
	if len(r.Urgent) > 0 {
		comp += "\n" + s.t(lang, "digest.complaints.urgent")
		for _, it := range r.Urgent {
			comp += "\n" + s.itemLine(lang, it, r.To, s.t(lang, "digest.urgency."+string(it.Triage.Urgency)))
		}
	}
	add("digest.f.complaints", comp)

	// Sentiment.
	if r.Messages > 0 {
		pos, neg := share(r.Positive, r.Messages), share(r.Negative, r.Messages)
		sent := s.t(lang, "digest.sentiment", s.pct(lang, pos), s.pct(lang, neg))
		if r.PrevMessages > 0 {
			d := int(math.Round(100 * (neg - share(r.PrevNegative, r.PrevMessages))))
			sent += "\n" + s.t(lang, "digest.sentiment.trend", signed(d))
		}
		add("digest.f.sentiment", sent)
	}

	// Response times.
	if n := len(r.Replies); n > 0 {
		within := func(d time.Duration) string {
			k := 0
			for _, x := range r.Replies {
				if x <= d {
					k++
				}
			}
			return s.pct(lang, share(k, n))
		}
		add("digest.f.response", s.t(lang, "digest.response", s.fmtDur(lang, quantile(r.Replies, 0.5)), s.fmtDur(lang, quantile(r.Replies, 0.9)), n)+
			"\n"+s.t(lang, "digest.response.within", within(time.Hour), within(4*time.Hour), within(24*time.Hour)))
	} else {
		add("digest.f.response", s.t(lang, "digest.response.none"))
	}

	// Open items, oldest first.
	if len(r.Open) > 0 {
		o := s.t(lang, "digest.open.total", len(r.Open), r.OpenAges[0], r.OpenAges[1], r.OpenAges[2], r.OpenAges[3])
		for i, it := range r.Open {
			if i == maxOpenListed {
				o += "\n" + s.t(lang, "digest.open.more", len(r.Open)-maxOpenListed)
				break
			}
			who := s.t(lang, "digest.open.unassigned")
			if it.Assignee.ID != "" {
				who = it.Assignee.Display()
			}
			o += "\n" + s.itemLine(lang, it, r.To, who)
		}
		add("digest.f.open", o)
	}

	// Topics.
	if len(r.Topics) > 0 {
		parts := make([]string, len(r.Topics))
		for i, tp := range r.Topics {
			parts[i] = s.t(lang, "digest.topic", tp.Term, tp.Count, fmtNum(lang, tp.Prev))
		}
		add("digest.f.topics", strings.Join(parts, "\n"))
	}

	if r.Posts != nil {
		add("digest.f.posts", s.t(lang, "digest.posts", r.Posts.Sent, r.Posts.Failed, r.Posts.AwaitingApproval))
	}
	if r.Moderation != nil {
		var parts []string
		for _, rule := range sortedKeys(r.Moderation.ByRule) {
			parts = append(parts, fmt.Sprintf("%s %d", rule, r.Moderation.ByRule[rule]))
		}
		if len(parts) == 0 {
			parts = append(parts, s.t(lang, "digest.moderation.none"))
		}
		add("digest.f.moderation", strings.Join(parts, " · "))
	}
	if r.Late {
		card.Footer = s.t(lang, "digest.late", s.fmtClock(to))
		card.Tone = bot.ToneWarning
	}
	return card
}

// itemLine is "• #42 · 3 h 10 min · extra · link".
func (s *Skill) itemLine(lang bot.Lang, it bot.Item, now time.Time, extra string) string {
	line := fmt.Sprintf("• #%d · %s · %s", it.ID, s.fmtDur(lang, now.Sub(it.Created)), extra)
	if it.Link != "" {
		line += " · " + it.Link
	}
	return line
}

func (s *Skill) kindList(lang bot.Lang, counts map[bot.Kind]int, kinds ...bot.Kind) string {
	var parts []string
	for _, k := range kinds {
		if n := counts[k]; n > 0 {
			parts = append(parts, s.t(lang, "digest.kind."+string(k), n))
		}
	}
	return strings.Join(parts, " · ")
}

// change renders now against the usual prev: "(+25 % vs usual)"; "" without
// a comparison.
func (s *Skill) change(lang bot.Lang, now, prev float64) string {
	switch {
	case prev < 0:
		return ""
	case prev == 0 && now == 0:
		return " " + s.t(lang, "digest.change.same")
	case prev == 0:
		return " " + s.t(lang, "digest.change.new")
	}
	if prev < 5 && now != prev { // a percentage of almost nothing says nothing
		return " " + s.t(lang, "digest.change.usually", fmtNum(lang, prev))
	}
	d := int(math.Round(100 * (now - prev) / prev))
	if d == 0 || now == prev {
		return " " + s.t(lang, "digest.change.same")
	}
	return " " + s.t(lang, "digest.change", signed(d))
}

// fmtNum renders f with at most one decimal, with the language's decimal
// mark ("0.3", "0,3").
func fmtNum(lang bot.Lang, f float64) string {
	v := strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
	if lang != bot.English {
		v = strings.Replace(v, ".", ",", 1)
	}
	return v
}

func signed(d int) string {
	if d > 0 {
		return "+" + strconv.Itoa(d)
	}
	if d < 0 {
		return "−" + strconv.Itoa(-d)
	}
	return "0"
}

func share(k, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}

func (s *Skill) pct(lang bot.Lang, f float64) string {
	return s.t(lang, "digest.pct", int(math.Round(100*f)))
}

// fmtDur renders a duration in minutes, hours and minutes, or days and hours.
func (s *Skill) fmtDur(lang bot.Lang, d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	switch {
	case m < 60:
		return s.t(lang, "digest.dur.m", max(m, 0))
	case m < 24*60 && m%60 == 0:
		return s.t(lang, "digest.dur.h", m/60)
	case m < 24*60:
		return s.t(lang, "digest.dur.hm", m/60, m%60)
	}
	return s.t(lang, "digest.dur.dh", m/(24*60), (m/60)%24)
}

// fmtDay renders "Wednesday 2 December".
func (s *Skill) fmtDay(lang bot.Lang, t time.Time) string {
	return s.t(lang, "digest.day", s.t(lang, "digest.weekday."+strconv.Itoa(int(t.Weekday()))), t.Day(), s.t(lang, "digest.month."+strconv.Itoa(int(t.Month()))))
}

// fmtWhen renders "Wed 2 Dec 09:00".
func (s *Skill) fmtWhen(lang bot.Lang, t time.Time) string {
	return s.t(lang, "digest.when", s.fmtDay(lang, t), s.fmtClock(t))
}

func (s *Skill) fmtClock(t time.Time) string { return t.Format("15:04") }
