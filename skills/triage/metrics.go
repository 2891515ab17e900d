package triage

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Confusion counts (gold, predicted) pairs of labels.
type Confusion struct {
	counts map[[2]string]int
	n      int
}

// Add records one message whose gold label is gold and prediction pred.
func (c *Confusion) Add(gold, pred string) {
	if c.counts == nil {
		c.counts = map[[2]string]int{}
	}
	c.counts[[2]string{gold, pred}]++
	c.n++
}

// N is the number of messages recorded.
func (c *Confusion) N() int { return c.n }

// Count is the number of messages with that gold label and prediction.
func (c *Confusion) Count(gold, pred string) int { return c.counts[[2]string{gold, pred}] }

// Classes lists every label seen, gold or predicted, sorted.
func (c *Confusion) Classes() []string {
	seen := map[string]bool{}
	for k := range c.counts {
		seen[k[0]], seen[k[1]] = true, true
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Accuracy is the share of messages whose prediction equals the gold label.
func (c *Confusion) Accuracy() float64 {
	if c.n == 0 {
		return 0
	}
	ok := 0
	for k, v := range c.counts {
		if k[0] == k[1] {
			ok += v
		}
	}
	return float64(ok) / float64(c.n)
}

// Scores are one class's precision, recall, F1 and support (gold count).
type Scores struct {
	Precision, Recall, F1 float64
	Support               int
}

// Class returns the scores of one class. A class never predicted has
// precision 0; one never in the gold labels has recall 0.
func (c *Confusion) Class(class string) Scores {
	var tp, fp, fn int
	for k, v := range c.counts {
		switch {
		case k[0] == class && k[1] == class:
			tp += v
		case k[1] == class:
			fp += v
		case k[0] == class:
			fn += v
		}
	}
	s := Scores{Support: tp + fn}
	if tp+fp > 0 {
		s.Precision = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		s.Recall = float64(tp) / float64(tp+fn)
	}
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	return s
}

// MacroF1 averages F1 over the classes present in the gold labels.
func (c *Confusion) MacroF1() float64 {
	var sum float64
	n := 0
	for _, cl := range c.Classes() {
		if s := c.Class(cl); s.Support > 0 {
			sum += s.F1
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// WriteReport writes per-class precision, recall and F1, accuracy, macro F1
// and the confusion matrix (rows gold, columns predicted) as aligned text.
func (c *Confusion) WriteReport(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	classes := c.Classes()
	fmt.Fprintf(tw, "class\tprecision\trecall\tF1\tsupport\t\n")
	for _, cl := range classes {
		s := c.Class(cl)
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%d\t\n", cl, s.Precision, s.Recall, s.F1, s.Support)
	}
	fmt.Fprintf(tw, "\t\t\t\t\t\n")
	fmt.Fprintf(tw, "accuracy\t%.3f\t\t\t%d\t\n", c.Accuracy(), c.n)
	fmt.Fprintf(tw, "macro F1\t%.3f\t\t\t\t\n", c.MacroF1())
	fmt.Fprintf(tw, "\t\t\t\t\t\n")
	fmt.Fprintf(tw, "confusion matrix\t\t\t\t\t\n")
	fmt.Fprintf(tw, "gold \\ predicted\t%s\t\n", strings.Join(classes, "\t"))
	for _, g := range classes {
		fmt.Fprintf(tw, "%s", g)
		for _, p := range classes {
			fmt.Fprintf(tw, "\t%d", c.Count(g, p))
		}
		fmt.Fprintf(tw, "\t\n")
	}
	return tw.Flush()
}
