package digest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// Spike detection windows and the cool-down after an alert.
const (
	hourWindow  = time.Hour
	burstWindow = 10 * time.Minute
	coolDown    = 2 * time.Hour
	// learnFor is the history the baseline needs before it is trusted.
	learnFor = 7 * 24 * time.Hour
)

var sensitivities = []string{"low", "normal", "high"}

// sensitivity holds the detector's thresholds for one setting.
type sensitivity struct {
	k        float64 // robust deviations above the median
	ratio    float64 // and at least this many times the median
	minCount int     // and at least this many messages in the hour
	negDelta float64 // negative share this far above the usual share
}

func sensitivityOf(name string) sensitivity {
	switch name {
	case "low":
		return sensitivity{k: 6, ratio: 3, minCount: 20, negDelta: 0.35}
	case "high":
		return sensitivity{k: 3, ratio: 1.5, minCount: 6, negDelta: 0.15}
	}
	return sensitivity{k: 4, ratio: 2, minCount: 10, negDelta: 0.25}
}

// observation is what the last hour looked like.
type observation struct {
	Hour, Burst, Negative int
}

// baseline is the usual level for one hour of the week.
type baseline struct {
	// Volumes and NegShares are the same hour of the week in earlier weeks.
	Volumes, NegShares []float64
	// Learning is set with less than learnFor of history; Mean is then the
	// mean hourly volume of what there is.
	Learning bool
	Mean     float64
}

// Alert kinds, in the order they are checked.
const (
	alertVolume   = "volume"
	alertBurst    = "burst"
	alertNegative = "negative"
)

// threshold is the hourly volume above which the hour is a spike.
func (b baseline) threshold(sv sensitivity) float64 {
	if b.Learning || len(b.Volumes) == 0 {
		return math.Max(3*b.Mean, float64(2*sv.minCount))
	}
	v := slices.Clone(b.Volumes)
	med := median(v)
	dev := make([]float64, len(b.Volumes))
	for i, x := range b.Volumes {
		dev[i] = math.Abs(x - med)
	}
	// MAD scaled to a standard deviation, floored by Poisson noise so a
	// quiet, regular hour does not alert on a handful of messages.
	scale := math.Max(1.4826*median(dev), math.Max(math.Sqrt(med), 1))
	return math.Max(math.Max(med+sv.k*scale, sv.ratio*med), float64(sv.minCount))
}

// usualNegShare is the negative share usual for the hour.
func (b baseline) usualNegShare() float64 {
	if b.Learning || len(b.NegShares) == 0 {
		return 0.15
	}
	return median(slices.Clone(b.NegShares))
}

// detect says which alert, if any, the observation calls for. Pure.
func detect(o observation, b baseline, sv sensitivity) string {
	thr := b.threshold(sv)
	switch {
	case float64(o.Hour) >= thr:
		return alertVolume
	case o.Burst >= sv.minCount && float64(o.Burst)*float64(hourWindow/burstWindow) >= 1.5*thr:
		return alertBurst
	case o.Hour >= sv.minCount && share(o.Negative, o.Hour) >= math.Max(b.usualNegShare()+sv.negDelta, 0.3):
		return alertNegative
	}
	return ""
}

// incident is the alert of the spike going on, kept in the settings so a
// restart does not repeat it.
type incident struct {
	Kind  string         `json:"kind,omitempty"`
	Card  bot.MessageRef `json:"card,omitzero"`
	Start time.Time      `json:"start,omitzero"`
	// Last is the last time the spike was seen; Peak its largest hourly count.
	Last time.Time `json:"last,omitzero"`
	Peak int       `json:"peak,omitempty"`
}

// alerter caches the baseline of the current hour.
type alerter struct {
	mu   sync.Mutex
	hour time.Time
	base baseline
}

// baselineAt returns the baseline for the hour of t, read from the
// aggregates once per hour.
func (s *Skill) baselineAt(ctx context.Context, t time.Time) (baseline, error) {
	h := t.UTC().Truncate(time.Hour)
	s.alerts.mu.Lock()
	defer s.alerts.mu.Unlock()
	if s.alerts.hour.Equal(h) {
		return s.alerts.base, nil
	}
	week := 7 * 24 * time.Hour
	var (
		b      baseline
		oldest time.Time
		total  int
		vols   = make([]float64, weeksBack)
		negs   = make([]int, weeksBack)
	)
	err := s.cfg.Aggregates.Hours(ctx, h.Add(-weeksBack*week), h, func(st bot.HourStats) bool {
		if oldest.IsZero() {
			oldest = st.Hour
		}
		total += st.Messages
		if back := h.Sub(st.Hour); back%week == 0 {
			w := int(back/week) - 1
			vols[w] += float64(st.Messages)
			negs[w] += st.Negative
		}
		return true
	})
	if err != nil {
		return b, err
	}
	if oldest.IsZero() || h.Sub(oldest) < learnFor {
		b.Learning = true
		if !oldest.IsZero() {
			b.Mean = float64(total) / math.Max(1, h.Sub(oldest).Hours())
		}
	} else {
		for w := range weeksBack {
			if !h.Add(-time.Duration(w+1) * week).Before(oldest) {
				b.Volumes = append(b.Volumes, vols[w])
				b.NegShares = append(b.NegShares, share(negs[w], int(vols[w])))
			}
		}
	}
	s.alerts.hour, s.alerts.base = h, b
	return b, nil
}

// window sums the recent messages for the detector.
func window(recent []counted, now time.Time) observation {
	var o observation
	for _, c := range recent {
		o.Hour++
		o.Negative += c.stats.Negative
		if !c.time.Before(now.Add(-burstWindow)) {
			o.Burst++
		}
	}
	return o
}

// checkSpike compares the last hour with the baseline and posts an alert,
// or updates the alert of the incident going on.
func (s *Skill) checkSpike(ctx context.Context) error {
	c, err := s.load(ctx)
	if err != nil || c.AlertsOff {
		return err
	}
	now := s.now()
	recent := s.live.since(now.Add(-hourWindow))
	if len(recent) == 0 {
		return nil
	}
	o := window(recent, now)
	b, err := s.baselineAt(ctx, now)
	if err != nil {
		return err
	}
	kind := detect(o, b, sensitivityOf(c.Sensitivity))
	if kind == "" {
		return nil
	}
	st, err := s.cfg.Settings.Settings(ctx)
	if err != nil {
		return err
	}
	if st.TeamChannel.IsZero() {
		return nil
	}
	ongoing := !c.Incident.Last.IsZero() && now.Sub(c.Incident.Last) < coolDown
	if ongoing && o.Hour < c.Incident.Peak+max(1, c.Incident.Peak/4) && now.Sub(c.Incident.Last) < time.Minute {
		return nil // nothing new worth an update yet
	}
	inc := c.Incident
	if !ongoing {
		inc = incident{Kind: kind, Start: now}
	}
	inc.Kind, inc.Last, inc.Peak = kind, now, max(inc.Peak, o.Hour)
	card := s.alertCard(st.Lang(), st.Location(), inc, o, b, recent)
	if ongoing && !inc.Card.IsZero() {
		if _, err := s.cfg.Sender.Do(ctx, bot.Action{Kind: bot.ActUpdate, Target: inc.Card, Card: &card}); err != nil {
			return fmt.Errorf("update the spike alert: %w", err)
		}
	} else {
		ref, err := s.cfg.Sender.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: st.TeamChannel, Card: &card})
		if err != nil {
			return fmt.Errorf("post the spike alert: %w", err)
		}
		inc.Card = ref
	}
	return s.cfg.Skills.UpdateSkill(ctx, Name, &c, func() error { c.Incident = inc; return nil })
}

// alertCard renders the alert of an incident.
func (s *Skill) alertCard(lang bot.Lang, loc *time.Location, inc incident, o observation, b baseline, recent []counted) bot.Card {
	var title string
	switch inc.Kind {
	case alertBurst:
		title = s.t(lang, "digest.alert.title.burst", o.Burst, int(burstWindow/time.Minute))
	case alertNegative:
		title = s.t(lang, "digest.alert.title.negative", s.pct(lang, share(o.Negative, o.Hour)))
	default:
		title = s.t(lang, "digest.alert.title.volume", o.Hour)
	}
	usual := fmtNum(lang, math.Round(b.Mean))
	if vs := slices.Clone(b.Volumes); len(vs) > 0 {
		usual = fmtNum(lang, math.Round(median(vs)))
	}
	figures := s.t(lang, "digest.alert.figures", o.Hour, s.pct(lang, share(o.Negative, o.Hour)), usual, s.pct(lang, b.usualNegShare()))
	if b.Learning {
		figures += "\n" + s.t(lang, "digest.alert.learning")
	}
	card := bot.Card{Title: title, Tone: bot.ToneDanger,
		Fields: []bot.Field{{Name: s.t(lang, "digest.alert.f.figures"), Value: figures}},
		Footer: s.t(lang, "digest.alert.since", inc.Start.In(loc).Format("15:04"), inc.Last.In(loc).Format("15:04"))}
	tally := map[string]int{}
	for _, c := range recent {
		if inc.Kind == alertNegative && c.stats.Negative == 0 {
			continue
		}
		for t, n := range c.stats.Terms {
			tally[t] += n
		}
	}
	if top := topTerms(tally, 5); len(top) > 0 {
		card.Fields = append(card.Fields, bot.Field{Name: s.t(lang, "digest.alert.f.terms"), Value: strings.Join(top, " · ")})
	}
	var links []string
	for i := len(recent) - 1; i >= 0 && len(links) < 3; i-- {
		c := recent[i]
		if inc.Kind == alertNegative && c.stats.Negative == 0 {
			continue
		}
		if l := s.cfg.Link(c.ref); l != "" {
			links = append(links, "• "+l)
		}
	}
	if len(links) > 0 {
		card.Fields = append(card.Fields, bot.Field{Name: s.t(lang, "digest.alert.f.examples"), Value: strings.Join(links, "\n")})
	}
	return card
}

// topTerms returns the n most counted terms, most first.
func topTerms(tally map[string]int, n int) []string {
	keys := sortedKeys(tally)
	slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(tally[b], tally[a]) })
	var out []string
	for _, k := range keys {
		if len(out) == n {
			break
		}
		if tally[k] >= 2 && !slices.ContainsFunc(out, func(o string) bool { return overlaps(o, k) }) {
			out = append(out, k)
		}
	}
	return out
}

func (s *Skill) cmdAlerts(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	st, err := s.cfg.Settings.Settings(ctx)
	if err != nil {
		return nil, err
	}
	mode, level := e.Option("mode"), e.Option("level")
	if mode == "sensitivity" && level == "" {
		return nil, bot.Invalid("digest.err.level")
	}
	var c settings
	err = s.cfg.Skills.UpdateSkill(ctx, Name, &c, func() error {
		switch mode {
		case "on":
			c.AlertsOff = false
		case "off":
			c.AlertsOff = true
		}
		if level != "" {
			c.Sensitivity = level
		}
		return nil
	})
	if err != nil && !errors.Is(err, errSkip) {
		return nil, err
	}
	lang := st.Lang()
	if c.AlertsOff {
		return bot.Text(s.t(lang, "digest.ok.alerts_off")), nil
	}
	sens := c.Sensitivity
	if sens == "" {
		sens = "normal"
	}
	return bot.Text(s.t(lang, "digest.ok.alerts_on", s.t(lang, "digest.sens."+sens))), nil
}
