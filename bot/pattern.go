package bot

import (
	"fmt"
	"strings"
)

// Pattern is the shape of a family of button and form ids: segments
// separated by "/", each a literal or a {name} variable
// ("inbox/approve/{id}/{v}"). The router matches clicked ids against the
// patterns registered with Router.Action; skills build the ids they put on
// cards and forms with ID from the same value, so an id is made and read in
// one place. Ids end up on posted messages: a released pattern is frozen.
type Pattern struct {
	text  string
	parts []string
}

// NewPattern parses p. It panics on an empty segment, a variable without a
// name, or two variables of the same name: patterns are constants of the
// program.
func NewPattern(p string) Pattern {
	parts := strings.Split(p, "/")
	seen := map[string]bool{}
	for _, s := range parts {
		name, isVar := varName(s)
		switch {
		case s == "" || (isVar && name == ""):
			panic(fmt.Sprintf("bot: bad action pattern %q", p))
		case isVar && seen[name]:
			panic(fmt.Sprintf("bot: action pattern %q: {%s} twice", p, name))
		case !isVar && strings.ContainsAny(s, "{}"):
			panic(fmt.Sprintf("bot: action pattern %q: bad segment %q", p, s))
		}
		if isVar {
			seen[name] = true
		}
	}
	return Pattern{text: p, parts: parts}
}

// String returns the pattern as written.
func (p Pattern) String() string { return p.text }

// ID fills the pattern's variables with args, in order, each formatted with
// fmt.Sprint: NewPattern("inbox/approve/{id}/{v}").ID(42, 3) is
// "inbox/approve/42/3". It panics when the number of args differs from the
// number of variables, when a value is empty or holds "/", or when the id is
// longer than MaxButtonID: ids are built from the bot's own numbers, so each
// of these is a bug in the caller.
func (p Pattern) ID(args ...any) string {
	var b strings.Builder
	n := 0
	for i, s := range p.parts {
		if i > 0 {
			b.WriteByte('/')
		}
		if _, isVar := varName(s); !isVar {
			b.WriteString(s)
			continue
		}
		if n >= len(args) {
			panic(fmt.Sprintf("bot: id of %q: %d values given", p.text, len(args)))
		}
		v := fmt.Sprint(args[n])
		n++
		if v == "" || strings.Contains(v, "/") {
			panic(fmt.Sprintf("bot: id of %q: value %q", p.text, v))
		}
		b.WriteString(v)
	}
	if n != len(args) {
		panic(fmt.Sprintf("bot: id of %q: %d values given, %d wanted", p.text, len(args), n))
	}
	if b.Len() > MaxButtonID {
		panic(fmt.Sprintf("bot: id %q is longer than %d bytes", b.String(), MaxButtonID))
	}
	return b.String()
}

// Match reports whether id has the pattern's shape, and returns the values
// of its variables, in order. A variable never matches an empty segment.
func (p Pattern) Match(id string) ([]Param, bool) {
	if strings.Count(id, "/")+1 != len(p.parts) {
		return nil, false
	}
	var vars []Param
	rest := id
	for _, s := range p.parts {
		seg, tail, _ := strings.Cut(rest, "/")
		rest = tail
		if name, isVar := varName(s); isVar {
			if seg == "" {
				return nil, false
			}
			vars = append(vars, Param{Name: name, Value: seg})
		} else if s != seg {
			return nil, false
		}
	}
	return vars, true
}

// overlaps reports whether some id would match both patterns.
func (p Pattern) overlaps(q Pattern) bool {
	if len(p.parts) != len(q.parts) {
		return false
	}
	for i := range p.parts {
		_, pv := varName(p.parts[i])
		_, qv := varName(q.parts[i])
		if !pv && !qv && p.parts[i] != q.parts[i] {
			return false
		}
	}
	return true
}

// varName returns the name of a "{name}" segment.
func varName(seg string) (string, bool) {
	if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") && len(seg) >= 2 {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}
