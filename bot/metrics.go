package bot

// Metrics makes the counters and histograms the core and its components
// record into, so the core does not depend on a metrics library: the wiring
// (cmd/commpilot) implements it over Prometheus, tests over a recorder
// (bottest.Metrics).
//
// Names follow Prometheus conventions ("commpilot_events_total", with
// "_seconds" for durations). Each name is made once: making it twice is an
// error. Label values are given in the order of the label names.
type Metrics interface {
	Counter(name, help string, labels ...string) (CounterVec, error)
	Histogram(name, help string, buckets []float64, labels ...string) (HistogramVec, error)
	Gauge(name, help string, labels ...string) (GaugeVec, error)
}

// CounterVec is a family of counters told apart by label values.
type CounterVec interface {
	// With returns the counter of these label values; it is safe to keep.
	With(values ...string) Counter
}

// Counter only goes up.
type Counter interface{ Inc() }

// HistogramVec is a family of histograms told apart by label values.
type HistogramVec interface {
	// With returns the histogram of these label values; it is safe to keep.
	With(values ...string) Observer
}

// GaugeVec is a family of gauges told apart by label values.
type GaugeVec interface {
	// With returns the gauge of these label values; it is safe to keep.
	With(values ...string) Gauge
}

// Gauge is a value that goes up and down (a queue's depth).
type Gauge interface{ Set(v float64) }

// Observer records one observation (a duration in seconds, a size).
type Observer interface{ Observe(v float64) }

// ExponentialBuckets returns n histogram bounds: start, start×factor, ….
func ExponentialBuckets(start, factor float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = start
		start *= factor
	}
	return out
}

// NoMetrics records nothing: what a component uses when given no Metrics.
type NoMetrics struct{}

var _ Metrics = NoMetrics{}

// Counter returns counters that count nothing.
func (NoMetrics) Counter(string, string, ...string) (CounterVec, error) { return noCounter{}, nil }

// Histogram returns histograms that record nothing.
func (NoMetrics) Histogram(string, string, []float64, ...string) (HistogramVec, error) {
	return noHistogram{}, nil
}

// Gauge returns gauges that record nothing.
func (NoMetrics) Gauge(string, string, ...string) (GaugeVec, error) { return noGauge{}, nil }

type noGauge struct{}

func (noGauge) With(...string) Gauge { return noGauge{} }
func (noGauge) Set(float64)          {}

type noCounter struct{}

func (noCounter) With(...string) Counter { return noCounter{} }
func (noCounter) Inc()                   {}

type noHistogram struct{}

func (noHistogram) With(...string) Observer { return noHistogram{} }
func (noHistogram) Observe(float64)         {}
