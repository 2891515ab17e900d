package bottest

import (
	"fmt"
	"strings"
	"sync"

	"github.com/commpilot/commpilot/bot"
)

// Metrics is a bot.Metrics that keeps every counter and histogram in memory,
// for tests to read back. Like a Prometheus registry, it refuses a name made
// twice and label values that do not match the label names. The zero value
// is ready to use.
type Metrics struct {
	mu     sync.Mutex
	labels map[string][]string // name → label names
	counts map[string]float64  // name + label values → counter value or number of observations
}

var _ bot.Metrics = (*Metrics)(nil)

// Counter makes the counter family name.
func (m *Metrics) Counter(name, _ string, labels ...string) (bot.CounterVec, error) {
	if err := m.declare(name, labels); err != nil {
		return nil, err
	}
	return recCounters{recVec{m: m, name: name}}, nil
}

// Histogram makes the histogram family name; it counts observations only.
func (m *Metrics) Histogram(name, _ string, _ []float64, labels ...string) (bot.HistogramVec, error) {
	if err := m.declare(name, labels); err != nil {
		return nil, err
	}
	return recHistograms{recVec{m: m, name: name}}, nil
}

// Gauge makes the gauge family name; Sum reads its current values.
func (m *Metrics) Gauge(name, _ string, labels ...string) (bot.GaugeVec, error) {
	if err := m.declare(name, labels); err != nil {
		return nil, err
	}
	return recGauges{recVec{m: m, name: name}}, nil
}

func (m *Metrics) declare(name string, labels []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.labels[name]; dup {
		return fmt.Errorf("metric %q made twice", name)
	}
	if m.labels == nil {
		m.labels, m.counts = map[string][]string{}, map[string]float64{}
	}
	m.labels[name] = labels
	return nil
}

// Sum is the total of the counter name over the members whose labels
// include every pair of match (all of them when match is empty); for a
// histogram, the number of observations; for a gauge, its current value.
func (m *Metrics) Sum(name string, match map[string]string) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := m.labels[name]
	var total float64
next:
	for k, v := range m.counts {
		fam, vals, _ := strings.Cut(k, "\x00")
		if fam != name {
			continue
		}
		values := strings.Split(vals, "\x00")
		for i, n := range names {
			if want, ok := match[n]; ok && values[i] != want {
				continue next
			}
		}
		total += v
	}
	return total
}

func key(name string, values []string) string {
	return name + "\x00" + strings.Join(values, "\x00")
}

// recVec is one family; its members are named by their key.
type recVec struct {
	m    *Metrics
	name string
}

func (v recVec) member(values []string) recMetric {
	v.m.mu.Lock()
	n := len(v.m.labels[v.name])
	v.m.mu.Unlock()
	if len(values) != n {
		panic(fmt.Sprintf("bottest: metric %q has %d labels, given %d values", v.name, n, len(values)))
	}
	return recMetric{m: v.m, key: key(v.name, values)}
}

type recCounters struct{ recVec }

func (v recCounters) With(values ...string) bot.Counter { return v.member(values) }

type recHistograms struct{ recVec }

func (v recHistograms) With(values ...string) bot.Observer { return v.member(values) }

type recGauges struct{ recVec }

func (v recGauges) With(values ...string) bot.Gauge { return v.member(values) }

type recMetric struct {
	m   *Metrics
	key string
}

func (r recMetric) Inc() {
	r.m.mu.Lock()
	r.m.counts[r.key]++
	r.m.mu.Unlock()
}

// Observe counts the observation; its value is not kept.
func (r recMetric) Observe(float64) { r.Inc() }

// Set sets a gauge's value.
func (r recMetric) Set(v float64) {
	r.m.mu.Lock()
	r.m.counts[r.key] = v
	r.m.mu.Unlock()
}
