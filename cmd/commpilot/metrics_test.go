package main

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/commpilot/commpilot/bot"
)

func TestPromMetricsRecordsByLabelsAndRefusesTwins(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := promMetrics{reg}
	c, err := m.Counter("x_total", "Xs.", "op", "outcome")
	if err != nil {
		t.Fatal(err)
	}
	c.With("draft", "ok").Inc()
	c.With("draft", "ok").Inc()
	c.With("draft", "timeout").Inc()
	h, err := m.Histogram("x_seconds", "X time.", bot.ExponentialBuckets(0.1, 10, 3), "op")
	if err != nil {
		t.Fatal(err)
	}
	h.With("draft").Observe(0.5)
	if _, err := m.Counter("x_total", "Again.", "op", "outcome"); err == nil {
		t.Error("a second x_total was registered")
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			k := mf.GetName()
			for _, l := range mt.GetLabel() {
				k += " " + l.GetName() + "=" + l.GetValue()
			}
			if hs := mt.GetHistogram(); hs != nil {
				got[k] = float64(hs.GetSampleCount())
				if b := hs.GetBucket(); len(b) != 3 || b[1].GetUpperBound() != 1 || b[1].GetCumulativeCount() != 1 {
					t.Errorf("buckets %v", b)
				}
				continue
			}
			got[k] = mt.GetCounter().GetValue()
		}
	}
	want := map[string]float64{"x_total op=draft outcome=ok": 2, "x_total op=draft outcome=timeout": 1, "x_seconds op=draft": 1}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}
