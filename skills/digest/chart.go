package digest

import (
	"bytes"
	"math"
	"strconv"
	"time"

	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"

	"github.com/commpilot/commpilot/bot"
)

// Chart size in pixels.
const (
	chartWidth  = 800
	chartHeight = 320
)

var (
	colorMessages = drawing.ColorFromHex("4a7bd0")
	colorNegative = drawing.ColorFromHex("d9453d")
	colorUsual    = drawing.ColorFromHex("333333")
)

// chart draws the messages per hour of r as bars, their negative part in
// red, and the usual level as a dashed line, as a PNG.
func (s *Skill) chart(lang bot.Lang, r *report) ([]byte, error) {
	n := len(r.Hourly)
	top := 0.0
	for i := range n {
		top = math.Max(top, r.Hourly[i])
		if r.Usual != nil {
			top = math.Max(top, r.Usual[i])
		}
	}
	step, ymax := yTicks(top)
	var yticks []chart.Tick
	for v := 0.0; v <= ymax+step/2; v += step {
		yticks = append(yticks, chart.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	// X ticks: every 3 hours of a day, every day of a week, in local time.
	every := 3
	if n > 48 {
		every = 24
	}
	var xticks []chart.Tick
	for i := 0; i <= n; i++ {
		t := r.From.Add(time.Duration(i) * time.Hour).In(r.Loc)
		if (every == 3 && t.Hour()%3 == 0) || (every == 24 && t.Hour() == 0) || i == 0 || i == n {
			label := t.Format("15:04")
			if every == 24 {
				label = t.Format("02/01")
			}
			xticks = append(xticks, chart.Tick{Value: float64(i), Label: label})
		}
	}
	if len(xticks) > 2 && xticks[1].Value-xticks[0].Value < float64(every)/2 {
		xticks = append(xticks[:1], xticks[2:]...) // no crowded labels at the start
	}
	if k := len(xticks); k > 2 && xticks[k-1].Value-xticks[k-2].Value < float64(every)/2 {
		xticks = append(xticks[:k-2], xticks[k-1])
	}
	series := []chart.Series{
		bars(s.t(lang, "digest.chart.messages"), r.Hourly, colorMessages),
		bars(s.t(lang, "digest.chart.negative"), r.HourlyNeg, colorNegative),
	}
	if r.Usual != nil {
		xs, ys := make([]float64, n), make([]float64, n)
		for i := range n {
			xs[i], ys[i] = float64(i)+0.5, r.Usual[i]
		}
		series = append(series, chart.ContinuousSeries{Name: s.t(lang, "digest.chart.usual"), XValues: xs, YValues: ys,
			Style: chart.Style{StrokeColor: colorUsual, StrokeWidth: 2, StrokeDashArray: []float64{6, 4}}})
	}
	c := chart.Chart{
		Width: chartWidth, Height: chartHeight,
		Background: chart.Style{Padding: chart.Box{Top: 30, Left: 10, Right: 20, Bottom: 10}},
		XAxis: chart.XAxis{Range: &chart.ContinuousRange{Min: 0, Max: float64(n)}, Ticks: xticks,
			Style: chart.Style{FontSize: 9}},
		YAxis: chart.YAxis{Range: &chart.ContinuousRange{Min: 0, Max: ymax}, Ticks: yticks,
			Style: chart.Style{FontSize: 9}, GridMajorStyle: chart.Style{StrokeColor: drawing.ColorFromHex("dddddd"), StrokeWidth: 1}},
		Series: series,
	}
	c.Elements = []chart.Renderable{chart.LegendThin(&c)}
	var buf bytes.Buffer
	if err := c.Render(chart.PNG, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// bars draws one bar per value as a filled outline with gaps between bars.
func bars(name string, v []float64, col drawing.Color) chart.ContinuousSeries {
	xs := make([]float64, 0, 4*len(v))
	ys := make([]float64, 0, 4*len(v))
	for i, y := range v {
		x := float64(i)
		xs = append(xs, x+0.12, x+0.12, x+0.88, x+0.88)
		ys = append(ys, 0, y, y, 0)
	}
	return chart.ContinuousSeries{Name: name, XValues: xs, YValues: ys,
		Style: chart.Style{StrokeColor: col, StrokeWidth: 1, FillColor: col.WithAlpha(200)}}
}

// yTicks picks a round tick step (1, 2 or 5 times a power of ten) giving at
// most five intervals above top, and the axis maximum, at least 1.
func yTicks(top float64) (step, ymax float64) {
	if top < 1 {
		top = 1
	}
	raw := top / 5
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if step = m * p; step >= raw {
			break
		}
	}
	step = math.Max(step, 1)
	return step, step * math.Ceil(top/step)
}
