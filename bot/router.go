package bot

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/commpilot/commpilot/bot/text"
)

// Router routes commands by "group verb", actions and form submissions by
// path-like ids ("inbox/approve/{id}/{version}"), and messages to every
// message handler in registration order. The zero value is ready to use.
// Registration happens at start-up and panics on duplicates; routing is safe
// for concurrent use afterwards.
type Router struct {
	commands   []*Command
	byRoute    map[string]*Command
	actions    []*actionRoute
	messages   []namedHandler
	completers map[string]CompleteFunc
	settings   []SettingLine
	mw         []Middleware

	// chainOnce wraps each route's handler in the middleware once, on the
	// first routed event; registration panics after that.
	chainOnce sync.Once
	chained   bool
}

// OptionType is the type of a command option.
type OptionType int

// Option types. Values reach the handler normalised:
// channels as "platform:ID", users as "platform:ID", roles as
// "platform-role:ID", durations as typed once ParseDuration has read them,
// choices in the case they were declared. Every value is valid UTF-8.
const (
	OptWord     OptionType = iota // one word
	OptText                       // the rest of the line, as typed
	OptChannel                    // a channel picker or #channel
	OptUser                       // a user picker or @user
	OptRole                       // a role picker or @role
	OptDuration                   // 10m, 2h, 1d, 1w
	OptInt                        // a whole number
	OptChoice                     // one of Choices
	// OptMentionable is a user or a role: users normalise to "platform:ID",
	// roles (Discord roles, Slack user groups) to "platform-role:ID".
	OptMentionable
)

// Option is one typed argument of a Command.
type Option struct {
	Name        string
	Type        OptionType
	Required    bool
	Description string // English, at most 100 characters (Discord)
	Choices     []string
	// Autocomplete names a completer registered with Router.Completer.
	Autocomplete string
}

// Command is one "/cm group verb" route.
type Command struct {
	// Route is "group verb" ("setup brand") or a single word ("help").
	Route string
	// Default makes "/cm group" alone run this command ("inbox" → "inbox list").
	Default     bool
	Description string // English, at most 100 characters (Discord)
	Options     []Option
	Handler     Handler

	scope Scope   // set by the Router or Group that registered it
	chain Handler // Handler in the router's middleware
}

// Scope is who may use the command.
func (c *Command) Scope() Scope { return c.scope }

// Usage renders the command's usage line: "/cm faq add <question | answer>".
func (c *Command) Usage() string {
	var b strings.Builder
	b.WriteString("/cm ")
	b.WriteString(c.Route)
	for _, o := range c.Options {
		l, r := "<", ">"
		if !o.Required {
			l, r = "[", "]"
		}
		b.WriteString(" " + l + o.Name)
		if o.Type == OptText {
			b.WriteString("…")
		}
		if o.Type == OptChoice {
			b.WriteString(": " + strings.Join(o.Choices, "|"))
		}
		b.WriteString(r)
	}
	return b.String()
}

// Group and Verb split the route ("setup", "brand"); Verb is "" for a single word.
func (c *Command) Group() string { g, _, _ := strings.Cut(c.Route, " "); return g }

// Verb is the second word of the route, or "".
func (c *Command) Verb() string { _, v, _ := strings.Cut(c.Route, " "); return v }

// CompleteFunc suggests values for an option being typed.
type CompleteFunc func(ctx context.Context, e Event, prefix string) ([]Choice, error)

// RouteInfo describes the route an event matched; middleware reads it with
// RouteFrom.
type RouteInfo struct {
	Kind    EventKind
	Pattern string // command route, action pattern or message handler name
	Scope   Scope
}

type routeKey struct{}

// RouteFrom returns the route the event being handled matched.
func RouteFrom(ctx context.Context) (RouteInfo, bool) {
	ri, ok := ctx.Value(routeKey{}).(RouteInfo)
	return ri, ok
}

type namedHandler struct {
	name  string
	h     Handler
	chain Handler
}

type actionRoute struct {
	pattern Pattern
	scope   Scope
	h       Handler
	chain   Handler
}

// Scope says who may use a route. The router records it in the RouteInfo of
// every event it routes; the engine's staff middleware (RequireStaff) refuses
// a StaffOnly route, its autocomplete included, to anyone who is not staff
// before the handler runs, so a refusal changes nothing and shows nothing.
type Scope int

// Scopes.
const (
	// Everyone may use the route: the scope of routes registered on the
	// Router itself.
	Everyone Scope = iota
	// StaffOnly routes are for staff (see Settings.IsStaff).
	StaffOnly
)

// Group registers routes that share a scope, so the scope is declared once
// for a set of routes rather than on each:
//
//	staff := r.Group(bot.StaffOnly)
//	staff.Command(bot.Command{Route: "inbox close", ...})
//	staff.Action(approve, bot.HandlerFunc(s.approve))
//
// Routes registered through a Group are the Router's routes: the same
// duplicate checks and the same middleware apply.
type Group struct {
	r     *Router
	scope Scope
}

// Group returns a registrar for routes of scope s.
func (r *Router) Group(s Scope) *Group { return &Group{r: r, scope: s} }

// Command registers c with the group's scope (see Router.Command).
func (g *Group) Command(c Command) { g.r.command(c, g.scope) }

// Action registers h for ids matching p with the group's scope (see Router.Action).
func (g *Group) Action(p Pattern, h Handler) { g.r.action(p, g.scope, h) }

// Use adds middleware around every routed handler, outermost first.
func (r *Router) Use(mw ...Middleware) { r.frozen("middleware"); r.mw = append(r.mw, mw...) }

// Command registers c for everyone. It panics on a duplicate route, a second
// Default in a group, or an option list that could not bind.
func (r *Router) Command(c Command) { r.command(c, Everyone) }

func (r *Router) command(c Command, scope Scope) {
	r.frozen("command " + c.Route)
	c.scope = scope
	if r.byRoute == nil {
		r.byRoute = map[string]*Command{}
	}
	words := strings.Fields(c.Route)
	if len(words) == 0 || len(words) > 2 || c.Handler == nil {
		panic(fmt.Sprintf("bot: bad command route %q", c.Route))
	}
	c.Route = strings.Join(words, " ")
	if _, dup := r.byRoute[c.Route]; dup {
		panic(fmt.Sprintf("bot: command %q registered twice", c.Route))
	}
	for i, o := range c.Options {
		if o.Type == OptText && i != len(c.Options)-1 {
			panic(fmt.Sprintf("bot: command %q: text option %q must be last", c.Route, o.Name))
		}
	}
	cp := c
	r.commands = append(r.commands, &cp)
	r.byRoute[c.Route] = &cp
	if c.Default {
		g := words[0]
		if _, dup := r.byRoute[g]; dup {
			panic(fmt.Sprintf("bot: command %q: %q already has a default", c.Route, g))
		}
		r.byRoute[g] = &cp
	}
}

// Action registers h, for everyone, for button and form ids matching p. It
// panics when a registered pattern matches the same ids.
func (r *Router) Action(p Pattern, h Handler) { r.action(p, Everyone, h) }

func (r *Router) action(p Pattern, scope Scope, h Handler) {
	r.frozen("action " + p.String())
	if p.text == "" || h == nil {
		panic(fmt.Sprintf("bot: bad action %q", p.text))
	}
	for _, a := range r.actions {
		if a.pattern.overlaps(p) {
			panic(fmt.Sprintf("bot: action %q registered twice (as %q)", p.text, a.pattern.text))
		}
	}
	r.actions = append(r.actions, &actionRoute{pattern: p, scope: scope, h: h})
}

// Message registers h to see every message, after those registered before.
// A handler returning ErrStop ends the chain for that message.
func (r *Router) Message(name string, h Handler) {
	r.frozen("message handler " + name)
	for _, m := range r.messages {
		if m.name == name {
			panic(fmt.Sprintf("bot: message handler %q registered twice", name))
		}
	}
	r.messages = append(r.messages, namedHandler{name: name, h: h})
}

// Completer registers a source of autocomplete suggestions.
func (r *Router) Completer(name string, fn CompleteFunc) {
	if r.completers == nil {
		r.completers = map[string]CompleteFunc{}
	}
	if _, dup := r.completers[name]; dup {
		panic(fmt.Sprintf("bot: completer %q registered twice", name))
	}
	r.completers[name] = fn
}

// SettingLine adds a line to /cm setup show (see SettingLine).
func (r *Router) SettingLine(l SettingLine) {
	r.frozen("setting line")
	if l.Render == nil {
		panic("bot: setting line without Render")
	}
	r.settings = append(r.settings, l)
}

// SettingLines returns the /cm setup show lines in display order.
func (r *Router) SettingLines() []SettingLine {
	out := slices.Clone(r.settings)
	slices.SortStableFunc(out, func(a, b SettingLine) int { return a.Order - b.Order })
	return out
}

// Commands returns the registered commands in registration order.
func (r *Router) Commands() []Command {
	out := make([]Command, len(r.commands))
	for i, c := range r.commands {
		out[i] = *c
	}
	return out
}

// HandleEvent routes e.
func (r *Router) HandleEvent(ctx context.Context, e Event) (*Reply, error) {
	r.chain()
	switch e.Kind {
	case EventMessage:
		return nil, r.handleMessage(ctx, e)
	case EventCommand:
		c, err := r.bindCommand(&e)
		if c == nil {
			return nil, err
		}
		h := c.chain
		if err != nil {
			// Bad input still goes through the middleware, so a non-staff
			// user is refused as such before being told about usage.
			h = r.wrap(HandlerFunc(func(context.Context, Event) (*Reply, error) { return nil, err }))
		}
		return r.serve(ctx, RouteInfo{Kind: e.Kind, Pattern: c.Route, Scope: c.scope}, h, e)
	case EventAction, EventSubmit:
		a, vars := r.matchAction(e.Action)
		if a == nil {
			return nil, Errorf(CodeNotFound, "err.unknown_action")
		}
		e.Vars = vars
		h := a.chain
		if err := checkFields(e.Options); err != nil {
			// Refused after the middleware, like a command's bad input.
			h = r.wrap(HandlerFunc(func(context.Context, Event) (*Reply, error) { return nil, err }))
		}
		return r.serve(ctx, RouteInfo{Kind: e.Kind, Pattern: a.pattern.text, Scope: a.scope}, h, e)
	case EventAutocomplete:
		c, ok := r.byRoute[e.Command]
		if !ok {
			return &Reply{}, nil
		}
		// Suggestions go through the middleware too: a staff-only
		// command's ids (inbox items) are not shown to everyone.
		h := r.wrap(HandlerFunc(func(ctx context.Context, e Event) (*Reply, error) { return r.complete(ctx, c, e) }))
		return r.serve(ctx, RouteInfo{Kind: e.Kind, Pattern: c.Route, Scope: c.scope}, h, e)
	}
	return nil, fmt.Errorf("route event %s: unknown kind", e.Kind)
}

// serve runs a route's chained handler (see chain).
func (r *Router) serve(ctx context.Context, ri RouteInfo, chained Handler, e Event) (*Reply, error) {
	return chained.HandleEvent(context.WithValue(ctx, routeKey{}, ri), e)
}

// chain wraps every route's handler in the middleware, once.
func (r *Router) chain() {
	r.chainOnce.Do(func() {
		wrap := r.wrap
		for _, c := range r.commands {
			c.chain = wrap(c.Handler)
		}
		for _, a := range r.actions {
			a.chain = wrap(a.h)
		}
		for i := range r.messages {
			r.messages[i].chain = wrap(r.messages[i].h)
		}
		r.chained = true
	})
}

// wrap returns h inside the router's middleware, outermost first.
func (r *Router) wrap(h Handler) Handler {
	for i := len(r.mw) - 1; i >= 0; i-- {
		h = r.mw[i](h)
	}
	return h
}

// frozen panics when routes are added after routing started.
func (r *Router) frozen(what string) {
	if r.chained {
		panic("bot: " + what + " registered after the router started routing")
	}
}

func (r *Router) handleMessage(ctx context.Context, e Event) error {
	var errs []error
	for _, m := range r.messages {
		_, err := r.serve(ctx, RouteInfo{Kind: EventMessage, Pattern: m.name}, m.chain, e)
		if errors.Is(err, ErrStop) {
			break
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", m.name, err))
		}
	}
	return errors.Join(errs...)
}

func (r *Router) matchAction(id string) (*actionRoute, []Param) {
	for _, a := range r.actions {
		if vars, ok := a.pattern.Match(id); ok {
			return a, vars
		}
	}
	return nil, nil
}

func (r *Router) complete(ctx context.Context, c *Command, e Event) (*Reply, error) {
	for _, o := range c.Options {
		if o.Name != e.Focus {
			continue
		}
		if len(o.Choices) > 0 {
			return &Reply{Choices: filterChoices(o.Choices, e.Options[o.Name])}, nil
		}
		fn := r.completers[o.Autocomplete]
		if fn == nil {
			break
		}
		ch, err := fn(ctx, e, e.Options[o.Name])
		if len(ch) > 25 {
			ch = ch[:25]
		}
		return &Reply{Choices: ch}, err
	}
	return &Reply{}, nil
}

func filterChoices(all []string, prefix string) []Choice {
	var out []Choice
	for _, c := range all {
		if strings.HasPrefix(strings.ToLower(c), strings.ToLower(prefix)) {
			out = append(out, Choice{Name: c, Value: c})
		}
	}
	return out
}

// bindCommand resolves the route of e (from e.Command, or from the first
// words of e.Text) and fills e.Options with validated, normalised values.
// It returns the command even when its options do not bind, with the error.
func (r *Router) bindCommand(e *Event) (*Command, error) {
	if e.Command == "" {
		return r.bindText(e)
	}
	c, ok := r.byRoute[e.Command]
	if !ok {
		return nil, Errorf(CodeNotFound, "err.unknown_cmd", e.Command)
	}
	e.Command = c.Route
	opts := make(map[string]string, len(c.Options))
	for _, o := range c.Options {
		v := strings.TrimSpace(e.Options[o.Name])
		if v == "" {
			if o.Required {
				return c, usageError(c, Invalid("err.missing_option", o.Name))
			}
			continue
		}
		nv, err := bindOption(o, v, platformOf(*e))
		if err != nil {
			return c, usageError(c, err)
		}
		opts[o.Name] = nv
	}
	e.Options = opts
	return c, nil
}

func (r *Router) bindText(e *Event) (*Command, error) {
	toks := SplitArgs(e.Text)
	if len(toks) == 0 {
		toks = []Token{{Text: "help"}}
	}
	var c *Command
	used := 0
	if len(toks) >= 2 {
		c = r.byRoute[strings.ToLower(toks[0].Text)+" "+strings.ToLower(toks[1].Text)]
		used = 2
	}
	if c == nil {
		c = r.byRoute[strings.ToLower(toks[0].Text)]
		used = 1
	}
	if c == nil {
		return nil, Errorf(CodeNotFound, "err.unknown_cmd", strings.Join(tokenTexts(toks[:min(2, len(toks))]), " "))
	}
	e.Command = c.Route
	args := toks[used:]
	opts := make(map[string]string, len(c.Options))
	for _, o := range c.Options {
		if len(args) == 0 {
			if o.Required {
				return c, usageError(c, Invalid("err.missing_option", o.Name))
			}
			break
		}
		var v string
		if o.Type == OptText {
			v = strings.TrimSpace(e.Text[args[0].Start:])
			args = nil
		} else {
			v = args[0].Text
			args = args[1:]
		}
		nv, err := bindOption(o, v, platformOf(*e))
		if err != nil {
			return c, usageError(c, err)
		}
		opts[o.Name] = nv
	}
	if len(args) > 0 {
		return c, usageError(c, Invalid("err.extra_args", strings.Join(tokenTexts(args), " ")))
	}
	e.Args = tokenTexts(toks[used:])
	e.Options = opts
	return c, nil
}

func usageError(c *Command, err *Error) *Error {
	err.Usage = c.Usage()
	return err
}

func platformOf(e Event) PlatformID {
	if e.Message.Channel.Platform != "" {
		return e.Message.Channel.Platform
	}
	return e.User.Platform
}

func tokenTexts(ts []Token) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Text
	}
	return out
}

// bindOption checks that v is text (valid UTF-8: bytes that are not, as a
// Slack request in HTTP mode can carry, are refused naming the option) and
// returns its canonical form (normalise).
func bindOption(o Option, v string, p PlatformID) (string, *Error) {
	if !utf8.ValidString(v) {
		return "", Invalid("err.bad_text", o.Name)
	}
	return normalise(o, v, p)
}

// checkFields refuses a form whose field values are not all valid UTF-8,
// naming the first such field in name order.
func checkFields(fields map[string]string) *Error {
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if !utf8.ValidString(fields[name]) {
			return Invalid("err.bad_text", name)
		}
	}
	return nil
}

// normalise validates one option value and returns its canonical form.
// Users, roles and channels arrive as neutral references ("slack:U1",
// "slack-role:S1", "slack:C1"), neutral mentions ("<@slack:U1>", see
// bot/text) or bare platform ids; the adapters translate platform markup.
func normalise(o Option, v string, p PlatformID) (string, *Error) {
	switch o.Type {
	case OptUser, OptRole, OptMentionable:
		// @everyone is a role to Discord and a broadcast to Slack, but no
		// one holds it as a role: granting it anything would grant nothing.
		if isBroadcast(v) {
			return "", Invalid("err.everyone", v)
		}
	}
	switch o.Type {
	case OptChannel:
		if m, ok := neutralMention(v, text.MentionChannel); ok {
			v = m
		}
		if ref, err := ParseChannelRef(v); err == nil {
			return ref.String(), nil
		}
		if isPlatformID(v) {
			return string(p) + ":" + v, nil
		}
		return "", Invalid("err.bad_channel", v)
	case OptUser:
		return normaliseMember(v, p, false)
	case OptRole:
		return normaliseMember(v, p, true)
	case OptMentionable:
		if m, ok := neutralMention(v, text.MentionRole); ok {
			v = m
		} else if m, ok := neutralMention(v, text.MentionUser); ok {
			v = m
		}
		if k, ok := ParseStaffRef(v); ok {
			return k, nil
		}
		if isPlatformID(v) {
			return string(p) + ":" + v, nil
		}
		return "", Invalid("err.bad_user", v)
	case OptDuration:
		// Kept as typed ("30j", "366d"), so that a handler refusing it
		// echoes what the person wrote; handlers read it with ParseDuration.
		if d, err := ParseDuration(v); err != nil || d <= 0 {
			return "", Invalid("err.bad_duration", v)
		}
		return v, nil
	case OptInt:
		for _, r := range v {
			if r < '0' || r > '9' {
				return "", Invalid("err.bad_number", v)
			}
		}
		if len(v) > 18 {
			return "", Invalid("err.bad_number", v)
		}
		return v, nil
	case OptChoice:
		i := slices.IndexFunc(o.Choices, func(c string) bool { return strings.EqualFold(c, v) })
		if i < 0 {
			return "", Invalid("err.bad_choice", v, strings.Join(o.Choices, ", "))
		}
		return o.Choices[i], nil
	}
	return v, nil
}

// isBroadcast reports whether v is exactly one @everyone, @here or
// @channel, plain (as the adapters hand them over) or in Slack's markup
// (<!everyone>, <!channel>, <!here>).
func isBroadcast(v string) bool {
	ms := text.Mentions(v)
	return len(ms) == 1 && ms[0].Start == 0 && ms[0].End == len(v) &&
		(ms[0].Kind == text.MentionEveryone || ms[0].Kind == text.MentionHere)
}

// normaliseMember is normalise for a user (role false) or a role (role
// true): a neutral reference or mention of that kind, or a bare platform id,
// becomes the neutral reference ("slack:U1", "slack-role:S1"); anything
// else, a reference of the other kind included, is err.bad_user or
// err.bad_role.
func normaliseMember(v string, p PlatformID, role bool) (string, *Error) {
	kind, sep, bad := text.MentionUser, ":", "err.bad_user"
	if role {
		kind, sep, bad = text.MentionRole, "-role:", "err.bad_role"
	}
	if m, ok := neutralMention(v, kind); ok {
		v = m
	}
	if k, ok := ParseStaffRef(v); ok && strings.Contains(k, "-role:") == role {
		return k, nil
	}
	if isPlatformID(v) {
		return string(p) + sep + v, nil
	}
	return "", Invalid(bad, v)
}

// neutralMention returns the reference inside v when v is exactly one
// neutral mention of kind k.
func neutralMention(v string, k text.MentionKind) (string, bool) {
	m, ok := text.ParseMention(v)
	if !ok || m.Raw || m.Kind != k {
		return "", false
	}
	return m.Ref, true
}

// isPlatformID accepts Discord snowflakes and Slack ids (C0123, U0123, S0123).
func isPlatformID(s string) bool {
	if len(s) < 2 || len(s) > 24 {
		return false
	}
	digits := true
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r >= 'A' && r <= 'Z':
			digits = false
		default:
			return false
		}
	}
	if digits {
		return len(s) >= 15 // snowflake
	}
	return s[0] >= 'A' && s[0] <= 'Z' && strings.ContainsAny(s[1:], "0123456789")
}

// Token is one word of a command line and where it starts in the line.
type Token struct {
	Text  string
	Start int
}

// SplitArgs splits a command line into words like a shell would, with
// "double", 'single' and “typographic” quotes grouping words. A quote only
// opens at the start of a word and only closes before a space or the end, so
// apostrophes ("l'offre", "don't") stay inside words; an unclosed quote is
// taken literally.
func SplitArgs(s string) []Token {
	var out []Token
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if text.IsSpace(r) {
			i += n
			continue
		}
		start := i
		if closeQ, ok := quotePair(r); ok {
			if end, ok := findClose(s, i+n, closeQ); ok {
				out = append(out, Token{Text: s[i+n : end], Start: start})
				_, cn := utf8.DecodeRuneInString(s[end:])
				i = end + cn
				continue
			}
		}
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if text.IsSpace(r) {
				break
			}
			i += n
		}
		out = append(out, Token{Text: s[start:i], Start: start})
	}
	return out
}

func quotePair(r rune) (rune, bool) {
	switch r {
	case '"':
		return '"', true
	case '\'':
		return '\'', true
	case '“':
		return '”', true
	case '«':
		return '»', true
	}
	return 0, false
}

func findClose(s string, from int, q rune) (int, bool) {
	for j := from; j < len(s); {
		r, n := utf8.DecodeRuneInString(s[j:])
		if r == q {
			if j+n == len(s) {
				return j, true
			}
			next, _ := utf8.DecodeRuneInString(s[j+n:])
			if text.IsSpace(next) {
				return j, true
			}
		}
		j += n
	}
	return 0, false
}
