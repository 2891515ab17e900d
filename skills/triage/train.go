package triage

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/commpilot/commpilot/bot"
)

// Example is one labelled message for Train. Weight scales its share of the
// loss (1 when zero).
type Example struct {
	Text   string
	Kind   bot.Kind
	Weight float32
}

// TrainOptions tune Train. The zero value trains the shipped model.
type TrainOptions struct {
	// Bits is the hash width: 2^Bits buckets per class (default 16).
	Bits uint8
}

// Trained is a kind model made by Train: write it with Bytes to
// data/kind-model.bin, where the next build embeds it.
type Trained struct {
	l *linear
	// The rules' vote per class chosen on the dev examples, and the dev
	// score it reached (see devScore).
	Alpha    [5]float64
	DevScore float64
}

// Bytes renders the model file.
func (t *Trained) Bytes() []byte { return t.l.encode() }

// The settings of a training run. Few are searched: with about a thousand
// training rows and a dev split of a hundred and fifty, a wide search fits
// the dev split rather than the language.
var (
	// trainSeeds: the shipped weights are the mean of one run per seed,
	// which steadies them against the order of the examples.
	trainSeeds  = []uint64{1, 2, 3, 4, 5}
	trainEpochs = 10
	trainL2     = 1e-4
	alphaGrid   = []float32{0, 1, 2, 4, 8}
)

// trainRate is AdaGrad's learning rate.
const trainRate = 0.5

// Dev is what Train chooses its settings on; none of it is trained on.
type Dev struct {
	// Kinds are labelled community messages: kind accuracy and complaint
	// F1 count.
	Kinds []Example
	// Spam are messages labelled spam or other (public spam sets' tuning
	// halves): spam F1 counts, so the model does not undo the rules' spam.
	Spam [][]Example
}

// Train fits the learned kind model on train by logistic regression
// (AdaGrad, L2) over the message's hashed features and what the rules said,
// once per seed, averages the runs, and chooses the rules' vote per class
// that scores best on dev. The brand keywords of every example are brand.
func (c *Classifier) Train(train []Example, dev Dev, brand []string, opt TrainOptions) (*Trained, error) {
	if err := c.Load(); err != nil {
		return nil, err
	}
	if len(train) == 0 || len(dev.Kinds) == 0 {
		return nil, errors.New("train: need training and dev examples")
	}
	if opt.Bits == 0 {
		opt.Bits = 16
	}
	sc := &scratch{}
	feats := make([][]uint32, len(train))
	for i, ex := range train {
		res, sig, _ := c.m.applyRules(sc, bot.TriageInput{Text: ex.Text, Brand: brand})
		feats[i] = sc.features(opt.Bits, res.Kind, sig.classes, nil)
	}
	avg := &linear{bits: opt.Bits}
	for k := range nLearned {
		avg.w[k] = make([]float32, 1<<opt.Bits)
	}
	for _, seed := range trainSeeds {
		l := fit(train, feats, opt.Bits, seed)
		for k := range nLearned {
			avg.bias[k] += l.bias[k] / float32(len(trainSeeds))
			for i, v := range l.w[k] {
				avg.w[k][i] += v / float32(len(trainSeeds))
			}
		}
	}
	// The shipped weights are quantised: judge what will ship.
	l, err := decodeLinear(avg.encode())
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	alpha, score := bestAlpha(c.votes(sc, dev, brand, l))
	l.alpha = alpha
	out := &Trained{l: l, DevScore: score}
	for k, a := range alpha {
		out.Alpha[k] = float64(a)
	}
	return out, nil
}

// devVote is one dev message as the vote sees it: the rules' class, the
// model's log-probabilities and the gold class.
type devVote struct {
	rules, gold int
	asks        bool
	logp        [nLearned]float32
}

// votes runs the rules and model l over every dev set once.
func (c *Classifier) votes(sc *scratch, dev Dev, brand []string, l *linear) [][]devVote {
	sets := make([][]devVote, 0, 1+len(dev.Spam))
	for _, set := range append([][]Example{dev.Kinds}, dev.Spam...) {
		out := make([]devVote, len(set))
		for i, ex := range set {
			res, sig, _ := c.m.applyRules(sc, bot.TriageInput{Text: ex.Text, Brand: brand})
			sc.feats = sc.features(l.bits, res.Kind, sig.classes, sc.feats[:0])
			out[i] = devVote{rules: learnedIndex(res.Kind), gold: learnedIndex(ex.Kind), asks: sig.kind[1] > 0,
				logp: logProbs(l.probs(sc.feats))}
		}
		sets = append(sets, out)
	}
	return sets
}

// bestAlpha tries every vote weight of the grid for each class the rules
// may choose and returns the best by devScore.
func bestAlpha(sets [][]devVote) ([nLearned]float32, float64) {
	var alpha, best [nLearned]float32
	bestScore := -1.0
	var try func(k int)
	try = func(k int) {
		if k == nLearned {
			if s := devScore(sets, alpha); s > bestScore {
				best, bestScore = alpha, s
			}
			return
		}
		for _, a := range alphaGrid {
			alpha[k] = a
			try(k + 1)
		}
	}
	try(0)
	return best, bestScore
}

// devScore is the mean of the community set's kind accuracy, its complaint
// F1, and the spam F1 of each spam set. (Kind accuracy treats mention as
// other here: the vote does not decide mentions.)
func devScore(sets [][]devVote, alpha [nLearned]float32) float64 {
	complaint, spam := learnedIndex(bot.KindComplaint), learnedIndex(bot.KindSpam)
	var total float64
	for i, set := range sets {
		right := 0
		var tp, fp, fn float64
		target := complaint
		if i > 0 {
			target = spam
		}
		for _, v := range set {
			got := vote(v.rules, v.asks, alpha, v.logp)
			if got == v.gold {
				right++
			}
			switch {
			case got == target && v.gold == target:
				tp++
			case got == target:
				fp++
			case v.gold == target:
				fn++
			}
		}
		f1 := 0.0
		if tp > 0 {
			f1 = 2 * tp / (2*tp + fp + fn)
		}
		if i == 0 {
			total += float64(right)/float64(len(set)) + f1
		} else {
			total += f1
		}
	}
	return total / float64(len(sets)+1)
}

// fit runs logistic regression over the hashed features, shuffled by seed.
func fit(train []Example, feats [][]uint32, bits uint8, seed uint64) *linear {
	n := 1 << bits
	l := &linear{bits: bits}
	var g2 [nLearned][]float32
	for k := range nLearned {
		l.w[k] = make([]float32, n)
		g2[k] = make([]float32, n)
	}
	var gb [nLearned]float32
	rng := rand.New(rand.NewPCG(seed, 0x636f6d6d70696c6f))
	order := rng.Perm(len(train))
	rate, l2 := float32(trainRate), float32(trainL2)
	for range trainEpochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			wt := train[i].Weight
			if wt == 0 {
				wt = 1
			}
			p := l.probs(feats[i])
			x := featureValue(feats[i])
			y := learnedIndex(train[i].Kind)
			for k := range nLearned {
				g := p[k]
				if k == y {
					g--
				}
				g *= wt
				gb[k] += g * g
				l.bias[k] -= rate * g / float32(math.Sqrt(float64(gb[k]))+1e-6)
				for _, f := range feats[i] {
					gf := g*x + l2*l.w[k][f]
					g2[k][f] += gf * gf
					l.w[k][f] -= rate * gf / float32(math.Sqrt(float64(g2[k][f]))+1e-6)
				}
			}
		}
	}
	return l
}
