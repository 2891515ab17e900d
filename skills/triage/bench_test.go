package triage

import (
	"testing"

	"github.com/commpilot/commpilot/bot"
)

// BenchmarkAnalyze measures the whole offline result per message on the
// community messages (dev and test sets, FR/EN/NL), with a brand keyword.
func BenchmarkAnalyze(b *testing.B) {
	var inputs []bot.TriageInput
	for _, part := range []string{"dev.jsonl", "test.jsonl"} {
		for _, m := range readCommunity(b, part) {
			inputs = append(inputs, bot.TriageInput{Text: m.Text, Brand: []string{"Acme", "Acme Cloud"}, Competitors: []string{"Globex"}})
		}
	}
	c := New()
	if err := c.Load(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := c.Analyze(inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkLoad measures parsing the embedded data, done once per process.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := loadModel(); err != nil {
			b.Fatal(err)
		}
	}
}
