package triage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/commpilot/commpilot/bot"
)

// # The learned second opinion
//
// Beside the cue rules the engine carries a small linear model: multinomial
// logistic regression over hashed features of the folded tokens (words, word
// pairs, character 3- and 4-grams, emoji and the message's shape). It was
// trained by `go run ./skills/triage/train` on the train split of
// skills/triage/corpus and on Banking77; its weights are embedded
// (data/kind-model.bin, int8 per weight with a scale per class). The rules and
// the model vote: see combine.

// learnedKinds are the model's classes. The model does not know the team's
// brand, so it never says "mention": a mention is "other" to it.
var learnedKinds = [...]bot.Kind{bot.KindComplaint, bot.KindQuestion, bot.KindPraise, bot.KindSpam, bot.KindOther}

const (
	nLearned   = len(learnedKinds)
	modelMagic = "CPTM2"
	// maxHashBits bounds what a model file may declare (4 MiB of weights).
	maxHashBits = 20
)

// learnedIndex is k's class in learnedKinds (mention counts as other).
func learnedIndex(k bot.Kind) int {
	for i, c := range learnedKinds {
		if c == k {
			return i
		}
	}
	return nLearned - 1
}

// linear is a trained model: per class a bias and one weight per hash bucket.
type linear struct {
	bits uint8
	// alpha is the weight of the rules' vote in combine, by the kind the
	// rules chose (a class of learnedKinds).
	alpha [nLearned]float32
	bias  [nLearned]float32
	w     [nLearned][]float32
}

// probs returns the class probabilities for the hashed features. Each
// feature is worth 1/√n (the feature vector has unit length), so a long
// message is not more certain just for having more n-grams.
func (l *linear) probs(feats []uint32) [nLearned]float32 {
	var z [nLearned]float32
	x := featureValue(feats)
	for k := range z {
		var dot float32
		for _, f := range feats {
			dot += l.w[k][f]
		}
		z[k] = l.bias[k] + x*dot
	}
	return softmax(z)
}

// featureValue is the value of each of the n features: 1/√n.
func featureValue(feats []uint32) float32 {
	if len(feats) == 0 {
		return 0
	}
	return float32(1 / math.Sqrt(float64(len(feats))))
}

func softmax(z [nLearned]float32) [nLearned]float32 {
	top := z[0]
	for _, v := range z[1:] {
		top = max(top, v)
	}
	var sum float32
	for k := range z {
		z[k] = float32(math.Exp(float64(z[k] - top)))
		sum += z[k]
	}
	for k := range z {
		z[k] /= sum
	}
	return z
}

// combine lets the rules and the model vote on the kind. Each model class
// scores its log-probability, and the class the rules chose gets alpha of
// that class more (how far the rules are trusted depends on what they said);
// the highest score wins. A message with no sign of a question (asks is
// false: no "?", question word, verb-first order or implicit-question cue)
// is never made a question by the model. When "other" wins, the rules say
// whether it is a mention. It returns the kind and whether the model
// overruled the rules.
func (l *linear) combine(rules bot.Kind, mentioned, asks bool, p [nLearned]float32) (bot.Kind, bool) {
	best := vote(learnedIndex(rules), asks, l.alpha, logProbs(p))
	if best == learnedIndex(rules) {
		return rules, false
	}
	if learnedKinds[best] == bot.KindOther && mentioned {
		return bot.KindMention, true
	}
	return learnedKinds[best], true
}

// vote is combine's arithmetic: the best class given the rules' class r.
func vote(r int, asks bool, alpha, logp [nLearned]float32) int {
	question := learnedIndex(bot.KindQuestion)
	best, bestScore := r, float32(math.Inf(-1))
	for k, s := range logp {
		if k == question && !asks && r != question {
			continue
		}
		if k == r {
			s += alpha[r]
		}
		if s > bestScore {
			best, bestScore = k, s
		}
	}
	return best
}

func logProbs(p [nLearned]float32) [nLearned]float32 {
	var out [nLearned]float32
	for k, v := range p {
		out[k] = float32(math.Log(float64(max(v, 1e-9))))
	}
	return out
}

// features appends the hashed features of the tokenized message to dst,
// with what the rules said: their kind and the classes of the cues that
// fired (churn, payment, legal…), so the model learns when to trust them.
func (sc *scratch) features(bits uint8, rules bot.Kind, classes uint16, dst []uint32) []uint32 {
	mask := uint32(1)<<bits - 1
	add := func(h uint32) { dst = append(dst, h&mask) }
	add(hashParts('r', []byte(rules), nil))
	for bit := range 16 {
		if classes&(1<<bit) != 0 {
			add(hashParts('c', []byte{byte(bit)}, nil))
		}
	}
	prev := -1
	words := 0
	for i := range sc.toks {
		t := &sc.toks[i]
		switch t.kind {
		case tWord:
			if t.name {
				continue // the brand is the team's, not a sign of any kind
			}
			w := sc.word(i)
			words++
			add(hashParts('w', w, nil))
			if prev >= 0 {
				add(hashParts('b', sc.word(prev), w))
			}
			prev = i
			if len(w) >= 3 {
				for n := 3; n <= 4; n++ {
					for s := -1; s+n <= len(w)+1; s++ {
						add(hashGram(w, s, n))
					}
				}
			}
		case tEmoji:
			var e [4]byte
			add(hashParts('e', e[:binary.PutUvarint(e[:], uint64(t.emoji))], nil))
		}
	}
	shape := func(name string, on bool) {
		if on {
			add(hashParts('s', []byte(name), nil))
		}
	}
	shape("question", sc.quest > 0)
	shape("url", sc.urls > 0)
	shape("invite", sc.invites > 0)
	shape("money", sc.money > 0)
	shape("digits", sc.longDigits > 0)
	shape("exclaim", sc.maxExcl >= 2)
	shape("caps", sc.letters >= 8 && sc.upper*10 >= sc.letters*7)
	switch {
	case words <= 1:
		shape("len1", true)
	case words <= 3:
		shape("len3", true)
	case words <= 7:
		shape("len7", true)
	case words <= 15:
		shape("len15", true)
	default:
		shape("long", true)
	}
	return dst
}

// FNV-1a, 32 bits.
const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func hashParts(tag byte, a, b []byte) uint32 {
	h := uint32(fnvOffset)
	h = (h ^ uint32(tag)) * fnvPrime
	for _, c := range a {
		h = (h ^ uint32(c)) * fnvPrime
	}
	if b != nil {
		h = (h ^ ' ') * fnvPrime
		for _, c := range b {
			h = (h ^ uint32(c)) * fnvPrime
		}
	}
	return h
}

// hashGram hashes the n bytes of "^w$" starting at s (s = -1 is the "^").
func hashGram(w []byte, s, n int) uint32 {
	h := uint32(fnvOffset)
	h = (h ^ 'g') * fnvPrime
	for i := s; i < s+n; i++ {
		c := byte('$')
		switch {
		case i < 0:
			c = '^'
		case i < len(w):
			c = w[i]
		}
		h = (h ^ uint32(c)) * fnvPrime
	}
	return h
}

// The model file, little-endian: magic, hash bits (1 byte), then per class
// the rules' vote alpha, a bias and a scale (float32 each), then per class
// 2^bits int8 weights (weight = int8 × scale).

// encode renders l as a model file.
func (l *linear) encode() []byte {
	var b bytes.Buffer
	b.WriteString(modelMagic)
	b.WriteByte(l.bits)
	q := make([][]int8, nLearned)
	for k := range nLearned {
		var top float32
		for _, v := range l.w[k] {
			top = max(top, float32(math.Abs(float64(v))))
		}
		scale := top / 127
		if scale == 0 {
			scale = 1
		}
		q[k] = make([]int8, len(l.w[k]))
		for i, v := range l.w[k] {
			q[k][i] = int8(math.Round(float64(v / scale)))
		}
		_ = binary.Write(&b, binary.LittleEndian, [3]float32{l.alpha[k], l.bias[k], scale})
	}
	for k := range nLearned {
		_ = binary.Write(&b, binary.LittleEndian, q[k])
	}
	return b.Bytes()
}

// decodeLinear reads a model file written by encode.
func decodeLinear(raw []byte) (*linear, error) {
	r := bytes.NewReader(raw)
	magic := make([]byte, len(modelMagic))
	if _, err := r.Read(magic); err != nil || string(magic) != modelMagic {
		return nil, errors.New("not a commpilot kind model")
	}
	bits, err := r.ReadByte()
	if err != nil || bits == 0 || bits > maxHashBits {
		return nil, fmt.Errorf("kind model: bad hash width %d", bits)
	}
	l := &linear{bits: bits}
	var scales [nLearned]float32
	for k := range nLearned {
		var abs [3]float32
		if err := binary.Read(r, binary.LittleEndian, &abs); err != nil {
			return nil, fmt.Errorf("kind model header: %w", err)
		}
		l.alpha[k], l.bias[k], scales[k] = abs[0], abs[1], abs[2]
	}
	n := 1 << bits
	if r.Len() != nLearned*n {
		return nil, fmt.Errorf("kind model: %d weight bytes, want %d", r.Len(), nLearned*n)
	}
	q := make([]int8, n)
	for k := range nLearned {
		if err := binary.Read(r, binary.LittleEndian, q); err != nil {
			return nil, fmt.Errorf("kind model weights: %w", err)
		}
		l.w[k] = make([]float32, n)
		for i, v := range q {
			l.w[k][i] = float32(v) * scales[k]
		}
	}
	return l, nil
}
