package main

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/commpilot/commpilot/bot"
)

// promMetrics is bot.Metrics over a Prometheus registry, served on /metrics.
type promMetrics struct{ reg prometheus.Registerer }

var _ bot.Metrics = promMetrics{}

// Counter registers a counter family.
func (p promMetrics) Counter(name, help string, labels ...string) (bot.CounterVec, error) {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	if err := p.reg.Register(v); err != nil {
		return nil, fmt.Errorf("register %s: %w", name, err)
	}
	return promCounters{v}, nil
}

// Histogram registers a histogram family.
func (p promMetrics) Histogram(name, help string, buckets []float64, labels ...string) (bot.HistogramVec, error) {
	v := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
	if err := p.reg.Register(v); err != nil {
		return nil, fmt.Errorf("register %s: %w", name, err)
	}
	return promHistograms{v}, nil
}

// Gauge registers a gauge family.
func (p promMetrics) Gauge(name, help string, labels ...string) (bot.GaugeVec, error) {
	v := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	if err := p.reg.Register(v); err != nil {
		return nil, fmt.Errorf("register %s: %w", name, err)
	}
	return promGauges{v}, nil
}

type promGauges struct{ v *prometheus.GaugeVec }

func (g promGauges) With(values ...string) bot.Gauge { return g.v.WithLabelValues(values...) }

type promCounters struct{ v *prometheus.CounterVec }

func (c promCounters) With(values ...string) bot.Counter { return c.v.WithLabelValues(values...) }

type promHistograms struct{ v *prometheus.HistogramVec }

func (h promHistograms) With(values ...string) bot.Observer { return h.v.WithLabelValues(values...) }
