package moderation

import (
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// Input is one message as the rules see it.
type Input struct {
	Message bot.MessageRef
	// Channel is where the message was posted; Parent is the channel a
	// thread belongs to (zero otherwise).
	Channel, Parent bot.ChannelRef
	Link            string
	Author          bot.UserRef
	// AuthorCreated and AuthorJoined are zero when unknown.
	AuthorCreated, AuthorJoined time.Time
	Time                        time.Time
	Attachments                 []bot.Attachment
	Mentions                    bot.MentionCount
	Norm                        Normalized
	// Recent are the author's earlier messages still in the counters'
	// window, oldest first (rate and duplicate triggers).
	Recent []Recent
	// Judged is the LLM's decision on a message the offline toxicity
	// check found borderline, nil when there is none.
	Judged *Judgement
}

// Judgement is an LLM's decision on a borderline message.
type Judgement struct {
	Toxic bool
	Why   string
}

// Recent is one earlier message of a member, as the counters keep it.
type Recent struct {
	At   time.Time
	Hash uint64 // textHash of the normalised text, 0 for none
	Ref  bot.MessageRef
}

// textHash identifies a normalised text for duplicate detection; 0 for an
// empty text.
func textHash(s string) uint64 {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64() | 1
}

// Rule is a compiled rule: its stored form and its parts, ready to match.
type Rule struct {
	Stored   bot.ModRule
	triggers []trigger
	words    int // index in triggers of the words trigger, or -1
	conds    []condition
	effects  []effect
}

// Effects renders the rule's actions as typed ("delete", "timeout:10m").
func (r *Rule) Effects() []string {
	out := make([]string, len(r.effects))
	for i, e := range r.effects {
		out[i] = e.String()
	}
	return out
}

// maxNameLen bounds a rule name.
const maxNameLen = 32

var ruleName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// ParseRule reads a rule as typed after "/cm rule add NAME": a trigger,
// more triggers that must all match, conditions (in:, not-in:, exempt:,
// only:), a comma-separated action list, and the flags dry-run,
// strikes:N and warn:"text". Source tokens may be quoted. The rule is
// compiled to check it; a refused rule returns a *bot.Error whose message
// says why.
func ParseRule(p bot.PlatformID, name, source string) (bot.ModRule, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if len(name) > maxNameLen || !ruleName.MatchString(name) {
		return bot.ModRule{}, bot.Invalid("mod.err.bad_name", name, maxNameLen)
	}
	tokens, err := tokenize(source)
	if err != nil {
		return bot.ModRule{}, err
	}
	r := bot.ModRule{Name: name, Platform: p, Source: strings.TrimSpace(source)}
	for i, tok := range tokens {
		kind, arg, hasArg := strings.Cut(tok, ":")
		kind = strings.ToLower(kind)
		if tk, ok := findTrigger(kind); ok {
			if tk.argRequired && (!hasArg || arg == "") {
				return bot.ModRule{}, bot.Invalid("mod.err.needs_arg", tok, kind)
			}
			r.Triggers = append(r.Triggers, bot.RulePart{Kind: tk.id, Arg: arg})
			continue
		}
		if i == 0 {
			return bot.ModRule{}, bot.Invalid("mod.err.unknown_trigger", tok, triggerNames())
		}
		if ck, ok := findCondition(kind); ok {
			r.Conditions = append(r.Conditions, bot.RulePart{Kind: ck.id, Arg: arg})
			continue
		}
		switch kind {
		case "dry-run", "dryrun":
			r.DryRun = true
			continue
		case "strikes":
			n, err := strconv.Atoi(arg)
			if err != nil || n < 0 || n > 100 {
				return bot.ModRule{}, bot.Invalid("mod.err.want_strikes", tok)
			}
			r.Strikes = n
			if n == 0 {
				r.Strikes = -1 // stored 0 is the default, 1
			}
			continue
		case "warn":
			if hasArg { // warn:"text" sets the warning and adds the action
				r.WarnText = strings.TrimSpace(arg)
				r.Actions = append(r.Actions, bot.RulePart{Kind: int(effWarn)})
				continue
			}
		}
		for _, item := range strings.Split(tok, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			an, aarg, _ := strings.Cut(item, ":")
			ak, ok := findAction(strings.ToLower(an))
			if !ok {
				return bot.ModRule{}, bot.Invalid("mod.err.unknown_part", item, actionNames())
			}
			r.Actions = append(r.Actions, bot.RulePart{Kind: int(ak.id), Arg: aarg})
		}
	}
	if len(r.Triggers) == 0 {
		return bot.ModRule{}, bot.Invalid("mod.err.no_trigger", triggerNames())
	}
	if len(r.Actions) == 0 {
		return bot.ModRule{}, bot.Invalid("mod.err.no_actions", actionNames())
	}
	if _, _, err := compileRule(r); err != nil {
		return bot.ModRule{}, err
	}
	return r, nil
}

// tokenize splits on spaces, keeping "quoted parts" (with \" inside) whole.
func tokenize(s string) ([]string, error) {
	var (
		out []string
		cur strings.Builder
		in  bool
		has bool
	)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case in && r == '\\' && i+1 < len(rs) && rs[i+1] == '"':
			cur.WriteRune('"')
			i++
		case r == '"':
			in, has = !in, true
		case !in && (r == ' ' || r == '\t' || r == '\n'):
			if cur.Len() > 0 || has {
				out = append(out, cur.String())
			}
			cur.Reset()
			has = false
		default:
			cur.WriteRune(r)
		}
	}
	if in {
		return nil, bot.Invalid("mod.err.unclosed_quote")
	}
	if cur.Len() > 0 || has {
		out = append(out, cur.String())
	}
	return out, nil
}

func findTrigger(name string) (triggerKind, bool) {
	for _, k := range triggerKinds() {
		if k.name == name {
			return k, true
		}
	}
	return triggerKind{}, false
}

func findCondition(name string) (conditionKind, bool) {
	for _, k := range conditionKinds() {
		if k.name == name {
			return k, true
		}
	}
	return conditionKind{}, false
}

func findAction(name string) (actionKind, bool) {
	for _, k := range actionKinds() {
		if k.name == name {
			return k, true
		}
	}
	return actionKind{}, false
}

func triggerNames() string {
	var n []string
	for _, k := range triggerKinds() {
		n = append(n, k.name)
	}
	return strings.Join(n, ", ")
}

func actionNames() string {
	var n []string
	for _, k := range actionKinds() {
		n = append(n, k.name)
	}
	return strings.Join(n, ", ")
}

// compileRule builds the parts of a stored rule and returns its words for
// the shared index. A part the platform cannot do, or an argument out of
// range, is refused as a *bot.Error.
func compileRule(s bot.ModRule) (*Rule, []string, error) {
	r := &Rule{Stored: s, words: -1}
	var words []string
	for _, p := range s.Triggers {
		k, ok := triggerByID(p.Kind)
		if !ok {
			return nil, nil, fmt.Errorf("rule %s: unknown trigger id %d", s.Name, p.Kind)
		}
		t, err := k.parse(p.Arg)
		if err != nil {
			return nil, nil, asUserError(err)
		}
		if w, ok := t.(wordsTrigger); ok {
			if r.words >= 0 {
				return nil, nil, bot.Invalid("mod.err.two_word_lists")
			}
			r.words = len(r.triggers)
			words = w
		}
		r.triggers = append(r.triggers, t)
	}
	for _, p := range s.Conditions {
		k, ok := conditionByID(p.Kind)
		if !ok {
			return nil, nil, fmt.Errorf("rule %s: unknown condition id %d", s.Name, p.Kind)
		}
		c, err := k.parse(p.Arg, s.Platform)
		if err != nil {
			return nil, nil, asUserError(err)
		}
		r.conds = append(r.conds, c)
	}
	for _, p := range s.Actions {
		k, ok := actionKindByID(effectKind(p.Kind))
		if !ok {
			return nil, nil, fmt.Errorf("rule %s: unknown action id %d", s.Name, p.Kind)
		}
		e := effect{kind: k.id}
		if p.Arg != "" {
			if k.maxDur == 0 {
				return nil, nil, bot.Invalid("mod.err.no_arg", k.name+":"+p.Arg, k.name)
			}
			d, err := bot.ParseDuration(p.Arg)
			if err != nil || d < k.minDur || d > k.maxDur {
				return nil, nil, bot.Invalid("mod.err.duration_range", k.name+":"+p.Arg, formatDuration(k.minDur), formatDuration(k.maxDur))
			}
			e.dur = d
		} else if k.maxDur > 0 && !k.durOptional {
			return nil, nil, bot.Invalid("mod.err.needs_duration", k.name)
		}
		if s.Platform == bot.Slack && !k.slack {
			return nil, nil, bot.Invalid("mod.err.slack_unsupported", k.name)
		}
		if !slices.Contains(r.effects, e) {
			r.effects = append(r.effects, e)
		}
	}
	return r, words, nil
}

func asUserError(err error) error {
	var pe *partError
	if errors.As(err, &pe) {
		return bot.Invalid(pe.key, pe.args...)
	}
	return err
}

func triggerByID(id int) (triggerKind, bool) {
	for _, k := range triggerKinds() {
		if k.id == id {
			return k, true
		}
	}
	return triggerKind{}, false
}

func conditionByID(id int) (conditionKind, bool) {
	for _, k := range conditionKinds() {
		if k.id == id {
			return k, true
		}
	}
	return conditionKind{}, false
}

// RuleSet is the compiled rules of the team with one word index for all
// of them. It is immutable: a change of rules compiles a new set.
type RuleSet struct {
	rules []*Rule
	words *wordIndex
	// unworded are the rules without a word trigger, checked on every
	// message; a rule with one is checked only when its words are found,
	// so the cost stays flat in the number of word rules.
	unworded []int
}

// Compile builds a RuleSet from stored rules; disabled rules are kept (rule
// test shows them) but never match live. A rule that no longer compiles is
// reported, the others still work.
func Compile(stored []bot.ModRule) (*RuleSet, error) {
	set := &RuleSet{}
	lists := map[int][]string{}
	var errs []error
	for _, s := range stored {
		r, words, err := compileRule(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %s/%s: %w", s.Platform, s.Name, err))
			continue
		}
		if len(words) > 0 {
			lists[len(set.rules)] = words
		} else {
			set.unworded = append(set.unworded, len(set.rules))
		}
		set.rules = append(set.rules, r)
	}
	idx, err := newWordIndex(lists)
	if err != nil {
		return nil, err
	}
	set.words = idx
	return set, errors.Join(errs...)
}

// hasToxic reports an enabled toxic rule of platform p.
func (s *RuleSet) hasToxic(p bot.PlatformID) bool {
	for _, r := range s.rules {
		if r.Stored.Platform != p || r.Stored.Disabled {
			continue
		}
		for _, t := range r.triggers {
			if _, ok := t.(toxicTrigger); ok {
				return true
			}
		}
	}
	return false
}

// Rules returns the compiled rules in stored order.
func (s *RuleSet) Rules() []*Rule { return s.rules }

// Rule returns the rule named name of platform p.
func (s *RuleSet) Rule(p bot.PlatformID, name string) (*Rule, bool) {
	for _, r := range s.rules {
		if r.Stored.Platform == p && r.Stored.Name == name {
			return r, true
		}
	}
	return nil, false
}

// Match is one rule matching one message.
type Match struct {
	Rule *Rule
	// Why says what each trigger found.
	Why []string
}

// Evaluate returns the rules of in's platform that match in, in rule
// order, disabled ones included only when withDisabled is set. It is pure:
// the same input gives the same matches.
func (s *RuleSet) Evaluate(in *Input, withDisabled bool) []Match {
	words := map[int][]string{}
	s.words.find(&in.Norm, func(h wordHit) {
		if !slices.Contains(words[h.rule], h.word) {
			words[h.rule] = append(words[h.rule], h.word)
		}
	})
	candidates := s.unworded
	if len(words) > 0 {
		candidates = append([]int(nil), s.unworded...)
		for i := range words {
			candidates = append(candidates, i)
		}
		slices.Sort(candidates)
	}
	var out []Match
	for _, i := range candidates {
		r := s.rules[i]
		if r.Stored.Platform != in.Author.Platform || (r.Stored.Disabled && !withDisabled) {
			continue
		}
		if m, ok := r.match(in, words[i]); ok {
			out = append(out, m)
		}
	}
	return out
}

func (r *Rule) match(in *Input, words []string) (Match, bool) {
	for _, c := range r.conds {
		if !c.allows(in) {
			return Match{}, false
		}
	}
	m := Match{Rule: r}
	for i, t := range r.triggers {
		var w []string
		if i == r.words {
			w = words
		}
		why, ok := t.match(in, w)
		if !ok {
			return Match{}, false
		}
		m.Why = append(m.Why, why)
	}
	return m, true
}
