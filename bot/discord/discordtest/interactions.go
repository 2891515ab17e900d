package discordtest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// InteractionDeadline is how long Discord waits for an interaction's first
// answer.
const InteractionDeadline = 3 * time.Second

type interaction struct {
	id, token, channelID string
	kind                 int // interaction type
	sent                 time.Time
	res                  Result
	payload              map[string]any // the INTERACTION_CREATE data, for Redeliver
}

// Interaction is a dispatched interaction; read what the bot answered with
// Result and the Wait methods.
type Interaction struct {
	ID, Token string
	s         *Server
}

// Redeliver dispatches the same INTERACTION_CREATE again, as Discord may
// around a resume; the bot must still answer it exactly once.
func (ix *Interaction) Redeliver() {
	ix.s.mu.Lock()
	defer ix.s.mu.Unlock()
	if in := ix.s.ix[ix.ID]; in != nil {
		ix.s.sendLocked("INTERACTION_CREATE", in.payload)
	}
}

// Result returns what the bot has answered so far.
func (ix *Interaction) Result() Result {
	ix.s.mu.Lock()
	defer ix.s.mu.Unlock()
	return cloneResult(ix.s.ix[ix.ID].res)
}

func cloneResult(r Result) Result {
	if r.Callback != nil {
		cb := *r.Callback
		r.Callback = &cb
	}
	r.Edits = slices.Clone(r.Edits)
	r.Followups = slices.Clone(r.Followups)
	return r
}

// WaitCallback waits for the interaction's initial response.
func (ix *Interaction) WaitCallback(ctx context.Context) (Result, error) {
	var r Result
	err := ix.s.waitFor(ctx, "interaction callback", func() bool {
		r = cloneResult(ix.s.ix[ix.ID].res)
		return r.Callback != nil
	})
	return r, err
}

// WaitAnswer waits until the bot has answered: a message, modal or
// autocomplete callback, a deferred update (type 6), or, after a deferred
// message (type 5), an edit of the original or a follow-up.
func (ix *Interaction) WaitAnswer(ctx context.Context) (Result, error) {
	var r Result
	err := ix.s.waitFor(ctx, "interaction answer", func() bool {
		r = cloneResult(ix.s.ix[ix.ID].res)
		if r.Callback == nil {
			return false
		}
		return r.Callback.Type != 5 || len(r.Edits) > 0 || len(r.Followups) > 0
	})
	return r, err
}

// WaitFollowups waits until the bot has posted n follow-up messages.
func (ix *Interaction) WaitFollowups(ctx context.Context, n int) (Result, error) {
	var r Result
	err := ix.s.waitFor(ctx, fmt.Sprintf("%d follow-ups", n), func() bool {
		r = cloneResult(ix.s.ix[ix.ID].res)
		return len(r.Followups) >= n
	})
	return r, err
}

// Option is one option of an application command.
type Option struct {
	Name string
	// Type is Discord's option type: 3 string, 4 integer, 6 user, 7
	// channel, 8 role, 9 mentionable.
	Type    int
	Value   any
	Focused bool
	// role marks a mentionable that resolves to a role (else a user).
	role bool
}

// Str, Int, UserOpt, ChannelOpt and MentionableOpt build options.
func Str(name, v string) Option { return Option{Name: name, Type: 3, Value: v} }

// Int is an integer option.
func Int(name string, v int64) Option { return Option{Name: name, Type: 4, Value: v} }

// UserOpt is a user picker's value.
func UserOpt(name, userID string) Option { return Option{Name: name, Type: 6, Value: userID} }

// ChannelOpt is a channel picker's value.
func ChannelOpt(name, channelID string) Option { return Option{Name: name, Type: 7, Value: channelID} }

// MentionableOpt is a user-or-role picker's value; role says which it is.
func MentionableOpt(name, id string, role bool) Option {
	return Option{Name: name, Type: 9, Value: id, role: role}
}

// Command dispatches "/cm <route>" with opts as u in channelID and waits for
// the bot's answer (see WaitAnswer). The route must be registered.
func (s *Server) Command(ctx context.Context, u User, channelID, route string, opts ...Option) (*Interaction, Result, error) {
	ix, err := s.SendCommand(u, channelID, route, opts...)
	if err != nil {
		return nil, Result{}, err
	}
	r, err := ix.WaitAnswer(ctx)
	return ix, r, err
}

// SendCommand dispatches "/cm <route>" like Command but does not wait.
func (s *Server) SendCommand(u User, channelID, route string, opts ...Option) (*Interaction, error) {
	return s.command(u, channelID, route, 2, opts)
}

// Autocomplete dispatches an autocomplete for route while option focus is
// being typed with value typed, and returns the suggestions.
func (s *Server) Autocomplete(ctx context.Context, u User, channelID, route, focus, typed string, opts ...Option) ([]Choice, error) {
	opts = append(slices.Clone(opts), Option{Name: focus, Type: 3, Value: typed, Focused: true})
	ix, err := s.command(u, channelID, route, 4, opts)
	if err != nil {
		return nil, err
	}
	r, err := ix.WaitAnswer(ctx)
	if err != nil {
		return nil, err
	}
	if r.Callback.Type != 8 {
		return nil, fmt.Errorf("discordtest: autocomplete answered with type %d", r.Callback.Type)
	}
	return r.Callback.Choices, nil
}

func (s *Server) command(u User, channelID, route string, typ int, opts []Option) (*Interaction, error) {
	words := strings.Fields(route)
	if len(words) == 0 || len(words) > 2 {
		return nil, fmt.Errorf("discordtest: bad route %q", route)
	}
	if err := s.checkRegistered(words); err != nil {
		return nil, err
	}
	leaves := make([]map[string]any, 0, len(opts))
	resolved := map[string]map[string]any{}
	for _, o := range opts {
		leaf := map[string]any{"name": o.Name, "type": o.Type, "value": o.Value}
		if o.Focused {
			leaf["focused"] = true
		}
		leaves = append(leaves, leaf)
		id, _ := o.Value.(string)
		switch o.Type {
		case 9:
			if o.role {
				addResolved(resolved, "roles", id, map[string]any{"id": id, "name": "role", "permissions": "0"})
			} else {
				addResolved(resolved, "users", id, map[string]any{"id": id, "username": "user" + id[len(id)-3:]})
			}
		case 6:
			addResolved(resolved, "users", id, map[string]any{"id": id, "username": "user" + id[len(id)-3:]})
		case 7:
			addResolved(resolved, "channels", id, map[string]any{"id": id, "type": 0, "permissions": "2248473465835073"})
		case 8:
			addResolved(resolved, "roles", id, map[string]any{"id": id, "name": "role", "permissions": "0"})
		}
	}
	var top map[string]any
	if len(words) == 1 {
		top = map[string]any{"type": 1, "name": words[0], "options": leaves}
	} else {
		top = map[string]any{"type": 2, "name": words[0], "options": []any{
			map[string]any{"type": 1, "name": words[1], "options": leaves},
		}}
	}
	fixtureName := "interaction_command.json"
	if typ == 4 {
		fixtureName = "interaction_autocomplete.json"
	}
	p := fixture(fixtureName)
	data := p["data"].(map[string]any)
	data["options"] = []any{top}
	if len(resolved) > 0 && typ == 2 {
		data["resolved"] = resolved
	}
	return s.send(p, u, channelID, typ)
}

func addResolved(r map[string]map[string]any, kind, id string, v map[string]any) {
	if r[kind] == nil {
		r[kind] = map[string]any{}
	}
	r[kind][id] = v
}

// checkRegistered refuses routes the bot did not register, as Discord's
// client would not offer them.
func (s *Server) checkRegistered(words []string) error {
	s.mu.Lock()
	body := s.commands
	s.mu.Unlock()
	if body == nil {
		return fmt.Errorf("discordtest: /cm is not registered yet")
	}
	var cmds []struct {
		Name    string `json:"name"`
		Options []struct {
			Name    string `json:"name"`
			Type    int    `json:"type"`
			Options []struct {
				Name string `json:"name"`
				Type int    `json:"type"`
			} `json:"options"`
		} `json:"options"`
	}
	if err := json.Unmarshal(body, &cmds); err != nil {
		return err
	}
	for _, c := range cmds {
		if c.Name != "cm" {
			continue
		}
		for _, o := range c.Options {
			if o.Name != words[0] {
				continue
			}
			if len(words) == 1 && o.Type == 1 {
				return nil
			}
			for _, sub := range o.Options {
				if len(words) == 2 && o.Type == 2 && sub.Name == words[1] && sub.Type == 1 {
					return nil
				}
			}
		}
	}
	return fmt.Errorf("discordtest: /cm %s is not a registered subcommand", strings.Join(words, " "))
}

// Click dispatches a button press on message messageID in channelID and
// waits for the bot's answer.
func (s *Server) Click(ctx context.Context, u User, channelID, messageID, customID string) (*Interaction, Result, error) {
	p := fixture("interaction_component.json")
	p["data"] = map[string]any{"custom_id": customID, "component_type": 2}
	msg := p["message"].(map[string]any)
	s.mu.Lock()
	if m := s.findMessage(channelID, messageID); m != nil {
		msg["content"], msg["embeds"], msg["components"] = m.Content, orEmpty(m.Embeds), orEmpty(m.Components)
	}
	s.mu.Unlock()
	msg["id"], msg["channel_id"] = messageID, channelID
	return s.interact(ctx, p, u, channelID, 3)
}

// Submit dispatches a modal submission with text input values and waits for
// the bot's answer.
func (s *Server) Submit(ctx context.Context, u User, channelID, customID string, values map[string]string) (*Interaction, Result, error) {
	p := fixture("interaction_modal_submit.json")
	ids := make([]string, 0, len(values))
	for id := range values {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	rows := make([]any, 0, len(ids))
	for i, id := range ids {
		rows = append(rows, map[string]any{"type": 1, "id": 2*i + 2, "components": []any{
			map[string]any{"type": 4, "id": 2*i + 1, "custom_id": id, "value": values[id]},
		}})
	}
	p["data"] = map[string]any{"custom_id": customID, "components": rows}
	return s.interact(ctx, p, u, channelID, 5)
}

// interact sends the interaction and waits for the answer.
func (s *Server) interact(ctx context.Context, p map[string]any, u User, channelID string, typ int) (*Interaction, Result, error) {
	ix, err := s.send(p, u, channelID, typ)
	if err != nil {
		return nil, Result{}, err
	}
	r, err := ix.WaitAnswer(ctx)
	return ix, r, err
}

// send fills the payload's ids, user and channel and dispatches
// INTERACTION_CREATE.
func (s *Server) send(p map[string]any, u User, channelID string, typ int) (*Interaction, error) {
	var tok [24]byte
	_, _ = rand.Read(tok[:])
	s.mu.Lock()
	c, err := s.channel(channelID)
	if err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: channel %s: %w", channelID, err)
	}
	id := s.snowflake(time.Now())
	token := "aW50ZXJhY3Rpb246" + base64.RawURLEncoding.EncodeToString(tok[:])
	p["id"], p["token"], p["channel_id"], p["type"] = id, token, channelID, typ
	locale := u.Locale
	if locale == "" {
		locale = "en-US"
	}
	p["locale"] = locale
	p["channel"] = map[string]any{"id": c.ID, "type": c.Type, "name": c.Name, "guild_id": c.GuildID, "permissions": "2248473465835073"}
	userJSON := userPayload(u)
	if c.GuildID == "" {
		delete(p, "member")
		delete(p, "guild_id")
		delete(p, "guild")
		delete(p, "guild_locale")
		p["user"] = userJSON
		p["context"] = 1
	} else {
		member, _ := p["member"].(map[string]any)
		if member == nil {
			member = map[string]any{}
		}
		member["user"] = userJSON
		member["roles"] = orEmpty(u.Roles)
		member["permissions"] = fmt.Sprint(u.Permissions)
		p["member"] = member
		p["guild_id"] = c.GuildID
	}
	in := &interaction{id: id, token: token, channelID: channelID, kind: typ, sent: time.Now(), payload: p}
	s.ix[id] = in
	s.ixTokens[token] = in
	s.sendLocked("INTERACTION_CREATE", p)
	s.mu.Unlock()
	return &Interaction{ID: id, Token: token, s: s}, nil
}

func userPayload(u User) map[string]any {
	out := map[string]any{"id": u.ID, "username": u.Username, "discriminator": "0", "avatar": nil, "public_flags": 0, "global_name": nil}
	if u.GlobalName != "" {
		out["global_name"] = u.GlobalName
	}
	if u.Bot {
		out["bot"] = true
	}
	return out
}

// callbackBody is POST /interactions/{id}/{token}/callback.
type callbackBody struct {
	Type int             `json:"type"`
	Data json.RawMessage `json:"data"`
}

func (s *Server) callback(id, token string, body []byte) error {
	var cb callbackBody
	if err := json.Unmarshal(body, &cb); err != nil {
		return errorf(400, 50109, "The request body contains invalid JSON.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.ix[id]
	if in == nil || in.token != token || time.Since(in.sent) > InteractionDeadline {
		return errorf(404, 10062, "Unknown interaction")
	}
	if in.res.Callback != nil {
		return errorf(400, 40060, "Interaction has already been acknowledged.")
	}
	out := &Callback{Type: cb.Type, After: time.Since(in.sent)}
	autocomplete := in.kind == 4
	switch cb.Type {
	case 4, 5, 7:
		if autocomplete {
			return errorf(400, 50035, "Invalid Form Body: type: autocomplete interactions need type 8")
		}
		if cb.Type == 7 && in.kind != 3 && in.kind != 5 {
			return errorf(400, 50035, "Invalid Form Body: type: UPDATE_MESSAGE is only for components")
		}
		if len(cb.Data) > 0 && string(cb.Data) != "null" {
			if err := json.Unmarshal(cb.Data, &out.Message); err != nil {
				return errorf(400, 50035, "Invalid Form Body: data")
			}
		}
		if cb.Type != 5 {
			if err := validateMessage(out.Message, true); err != nil {
				return err
			}
		}
	case 6:
		if in.kind != 3 && in.kind != 5 {
			return errorf(400, 50035, "Invalid Form Body: type: DEFERRED_UPDATE_MESSAGE is only for components")
		}
	case 8:
		if !autocomplete {
			return errorf(400, 50035, "Invalid Form Body: type: not an autocomplete interaction")
		}
		var d struct {
			Choices []Choice `json:"choices"`
		}
		_ = json.Unmarshal(cb.Data, &d)
		if len(d.Choices) > 25 {
			return errorf(400, 50035, "Invalid Form Body: data.choices: Must be 25 or fewer in length.")
		}
		out.Choices = orEmpty(d.Choices)
	case 9:
		if in.kind == 5 || autocomplete {
			return errorf(400, 50035, "Invalid Form Body: type: a modal cannot answer this interaction")
		}
		var m Modal
		if err := json.Unmarshal(cb.Data, &m); err != nil {
			return errorf(400, 50035, "Invalid Form Body: data")
		}
		if err := validateModal(m); err != nil {
			return err
		}
		out.Modal = &m
	default:
		return errorf(400, 50035, "Invalid Form Body: type: Value must be one of {1, 4, 5, 6, 7, 8, 9, 10, 12}.")
	}
	if cb.Type == 4 {
		s.storeInteractionMessage(in, &out.Message)
	}
	in.res.Callback = out
	s.changes.Notify()
	return nil
}

func validateModal(m Modal) error {
	switch {
	case m.CustomID == "" || len(m.CustomID) > 100:
		return errorf(400, 50035, "Invalid Form Body: data.custom_id: Must be between 1 and 100 in length.")
	case m.Title == "" || utf8.RuneCountInString(m.Title) > 45:
		return errorf(400, 50035, "Invalid Form Body: data.title: Must be between 1 and 45 in length.")
	case len(m.Components) == 0 || len(m.Components) > 5:
		return errorf(400, 50035, "Invalid Form Body: data.components: Must be between 1 and 5 in length.")
	}
	for _, r := range m.Components {
		if r.Type != 1 || len(r.Components) != 1 || r.Components[0].Type != 4 {
			return errorf(400, 50035, "Invalid Form Body: data.components: each row holds one text input")
		}
		in := r.Components[0]
		switch {
		case in.CustomID == "" || len(in.CustomID) > 100:
			return errorf(400, 50035, "Invalid Form Body: custom_id: Must be between 1 and 100 in length.")
		case in.Label == "" || utf8.RuneCountInString(in.Label) > 45:
			return errorf(400, 50035, "Invalid Form Body: label: Must be between 1 and 45 in length.")
		case in.Style != 1 && in.Style != 2:
			return errorf(400, 50035, "Invalid Form Body: style: Value must be one of {1, 2}.")
		case utf8.RuneCountInString(in.Value) > 4000, in.MaxLength > 4000:
			return errorf(400, 50035, "Invalid Form Body: value: Must be 4000 or fewer in length.")
		case in.MaxLength > 0 && utf8.RuneCountInString(in.Value) > in.MaxLength:
			return errorf(400, 50035, "Invalid Form Body: value: longer than max_length")
		}
	}
	return nil
}

// storeInteractionMessage records a public interaction message in its
// channel; ephemeral ones are only in the Result. s.mu must be held.
func (s *Server) storeInteractionMessage(in *interaction, m *Message) {
	m.ID = s.snowflake(time.Now())
	m.ChannelID = in.channelID
	m.AuthorID = BotID
	if !m.Ephemeral() {
		cp := *m
		s.messages[in.channelID] = append(s.messages[in.channelID], &cp)
	}
}

// webhookInteraction finds the interaction of a webhook token; s.mu held.
func (s *Server) webhookInteraction(app, token string) (*interaction, error) {
	in := s.ixTokens[token]
	if app != BotID || in == nil {
		return nil, errorf(404, 10015, "Unknown Webhook")
	}
	if in.res.Callback == nil {
		return nil, errorf(404, 10008, "Unknown Message")
	}
	return in, nil
}

// decodeWebhookMessage reads an interaction webhook's JSON message body the
// way Discord does: invalid JSON and messages Discord would refuse are
// errors (see validateMessage).
func decodeWebhookMessage(body []byte, create bool) (Message, error) {
	var m Message
	if err := json.Unmarshal(body, &m); err != nil {
		return Message{}, errorf(400, 50109, "The request body contains invalid JSON.")
	}
	if err := validateMessage(m, create); err != nil {
		return Message{}, err
	}
	return m, nil
}

func (s *Server) followup(app, token string, body []byte) (any, error) {
	m, err := decodeWebhookMessage(body, true)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.webhookInteraction(app, token)
	if err != nil {
		return nil, err
	}
	s.storeInteractionMessage(in, &m)
	in.res.Followups = append(in.res.Followups, m)
	s.changes.Notify()
	return messageJSON(m, s.channels[in.channelID]), nil
}

func (s *Server) webhookMessage(method, app, token, msgID string, body []byte) (any, error) {
	if msgID != "@original" {
		return nil, errorf(404, 10008, "Unknown Message")
	}
	var m Message
	if method == "PATCH" {
		var err error
		if m, err = decodeWebhookMessage(body, false); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.webhookInteraction(app, token)
	if err != nil {
		return nil, err
	}
	if in.res.OriginalDeleted || in.res.Callback.Type == 6 || in.res.Callback.Type == 8 || in.res.Callback.Type == 9 {
		return nil, errorf(404, 10008, "Unknown Message")
	}
	switch method {
	case "PATCH":
		m.ChannelID, m.AuthorID = in.channelID, BotID
		in.res.Edits = append(in.res.Edits, m)
		s.changes.Notify()
		return messageJSON(m, s.channels[in.channelID]), nil
	case "DELETE":
		in.res.OriginalDeleted = true
		s.changes.Notify()
		return nil, nil
	}
	return nil, errorf(405, 0, "405: Method Not Allowed")
}
