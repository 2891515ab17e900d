package triage

import (
	"strconv"
	"strings"

	"github.com/commpilot/commpilot/bot"
)

// Targets: what a gold label is compared with when scoring a classifier
// (Predicted, NormalizeLabel, Confusion).
const (
	TargetKind    = "kind"    // Triage.Kind
	TargetLang    = "lang"    // Triage.Lang
	TargetUrgency = "urgency" // Triage.Urgency
	TargetSpam    = "spam"    // "spam" when Kind is spam, else "ham"; labels 1/0, spam/ham
	// TargetComplaint is "complaint" when Kind is complaint, else
	// "not_complaint"; labels 1/0, true/false, complaint, or any other kind.
	TargetComplaint = "complaint"
	TargetSign      = "sign" // sign of Sentiment (±0.05): positive, negative, neutral; labels numbers or words
)

// Targets lists every target.
func Targets() []string {
	return []string{TargetKind, TargetLang, TargetUrgency, TargetSpam, TargetComplaint, TargetSign}
}

// Predicted is what t says for target, in the words NormalizeLabel gives gold
// labels, so the two compare.
func Predicted(target string, t bot.Triage) string {
	switch target {
	case TargetLang:
		return t.Lang
	case TargetUrgency:
		return string(t.Urgency)
	case TargetSpam:
		if t.Kind == bot.KindSpam {
			return "spam"
		}
		return "ham"
	case TargetComplaint:
		if t.Kind == bot.KindComplaint {
			return "complaint"
		}
		return "not_complaint"
	case TargetSign:
		return signOf(t.Sentiment, 0.05)
	}
	return string(t.Kind)
}

// signOf is the sign of v with a dead zone of ±dead around 0.
func signOf(v, dead float64) string {
	switch {
	case v > dead:
		return "positive"
	case v < -dead:
		return "negative"
	}
	return "neutral"
}

// NormalizeLabel turns a gold label for target into the words Predicted
// uses: spam labels 1/0, spam/ham; complaint labels 1/0, true/false,
// complaint or any other kind; language names; sentiment numbers or words.
func NormalizeLabel(target, label string) string {
	l := strings.ToLower(strings.TrimSpace(label))
	switch target {
	case TargetSpam:
		switch l {
		case "1", "spam", "true", "yes":
			return "spam"
		case "0", "ham", "false", "no":
			return "ham"
		}
	case TargetComplaint:
		switch l {
		case "1", "true", "yes", "complaint", "y":
			return "complaint"
		}
		return "not_complaint"
	case TargetLang:
		if lang, ok := bot.ParseLang(l); ok {
			return string(lang)
		}
	case TargetSign:
		if v, err := strconv.ParseFloat(l, 64); err == nil {
			return signOf(v, 0)
		}
		switch l {
		case "pos":
			return "positive"
		case "neg":
			return "negative"
		case "neu":
			return "neutral"
		}
	}
	return l
}
