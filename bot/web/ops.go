package web

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/commpilot/commpilot/bot"
)

// request is what a page asks; Op says which fields are used.
type request struct {
	Op      string            `json:"op"`
	As      string            `json:"as"`
	Lang    string            `json:"lang"`
	Channel string            `json:"channel"`
	Thread  string            `json:"thread"`
	Text    string            `json:"text"`
	ID      string            `json:"id"`
	Button  string            `json:"button"`
	Token   string            `json:"token"`
	Values  map[string]string `json:"values"`
	Req     int               `json:"req"`
}

// Sample is one message "Play a sample" posts.
type Sample struct {
	User, Channel, Text string
}

// handle carries out one request of c.
func (p *Platform) handle(c *client, req request) {
	switch req.Op {
	case "hello":
		p.hello(c, req)
	case "post":
		p.post(c, req)
	case "edit":
		p.edit(c, req)
	case "delete":
		p.deleteOwn(c, req)
	case "press":
		p.press(c, req)
	case "submit":
		p.submit(c, req)
	case "complete":
		p.complete(c, req)
	case "sample":
		p.playSample(c)
	default:
		p.notice(c, "web.bad_request")
	}
}

// hello sets who the page is and sends it everything it may see.
func (p *Platform) hello(c *client, req request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.users[req.As]; ok {
		c.as = req.As
	} else if c.as == "" && len(p.cfg.Users) > 0 {
		c.as = p.cfg.Users[0].ID
	}
	if l, ok := bot.ParseLang(req.Lang); ok {
		c.lang = l
	}
	p.sendLocked(c, p.snapshotLocked(c))
}

// mention markup the composer accepts: #channel and @user by name.
var (
	channelWord = regexp.MustCompile(`(^|\s)#([\p{L}\p{N}_-]+)`)
	userWord    = regexp.MustCompile(`(^|\s)@([\p{L}\p{N}_.-]+)`)
)

// markupLocked turns "#team" and "@Alex" into the core's neutral mentions
// (<#web:ID>, <@web:ID>), as a chat client does when one picks from its list.
func (p *Platform) markupLocked(s string) string {
	s = channelWord.ReplaceAllStringFunc(s, func(w string) string {
		sp, name, _ := strings.Cut(w, "#")
		for _, ch := range p.channels {
			if ch.DM == "" && strings.EqualFold(ch.Name, name) {
				return sp + bot.ChannelRef{Platform: bot.Web, ID: ch.ID}.Mention()
			}
		}
		return w
	})
	return userWord.ReplaceAllStringFunc(s, func(w string) string {
		sp, name, _ := strings.Cut(w, "@")
		for _, u := range p.users {
			if strings.EqualFold(u.Name, name) {
				return sp + bot.UserRef{Platform: bot.Web, ID: u.ID}.Mention()
			}
		}
		return w
	})
}

// checkPostLocked returns the catalogue key (and args) of why c may not
// post text in channel, or "".
func (p *Platform) checkPostLocked(c *client, channel, text string) (string, []any) {
	u := p.users[c.as]
	ch := p.channels[channel]
	switch {
	case u == nil:
		return "web.who", nil
	case ch == nil || (ch.DM != "" && ch.DM != u.ID):
		return "web.no_channel", nil
	case u.Banned:
		return "web.banned", nil
	case u.Kicked:
		return "web.kicked", nil
	case p.now().Before(u.TimeoutUntil):
		return "web.timed_out", []any{u.TimeoutUntil.Format("15:04:05")}
	case ch.slowmode > 0 && u.Role == RoleMember && p.now().Before(ch.lastPost[u.ID].Add(ch.slowmode)):
		// Slow mode holds members back; staff and admins are exempt, as on Discord.
		left := ch.lastPost[u.ID].Add(ch.slowmode).Sub(p.now())
		return "web.slowmode", []any{int((left + time.Second - 1) / time.Second)}
	case strings.TrimSpace(text) == "":
		return "web.empty", nil
	case utf8.RuneCountInString(text) > p.cfg.MaxText:
		return "web.too_long", []any{p.cfg.MaxText}
	}
	return "", nil
}

// post sends a message, or a command when the text starts with /cm.
func (p *Platform) post(c *client, req request) {
	p.mu.Lock()
	if key, args := p.checkPostLocked(c, req.Channel, req.Text); key != "" {
		p.sendLocked(c, frame{T: "notice", Text: translate(c.lang, key, args...)})
		p.mu.Unlock()
		return
	}
	u := p.users[c.as]
	if rest, ok := commandText(req.Text); ok {
		ev := bot.Event{ID: "c:" + p.nextIDLocked(), Kind: bot.EventCommand, User: userRef(u), Time: p.now(),
			Message: bot.MessageRef{Channel: Ref(req.Channel)}, Text: p.markupLocked(rest), DM: p.channels[req.Channel].DM != ""}
		if req.Thread != "" && p.byID[req.Thread] != nil {
			ev.Message.ThreadID = req.Thread
		}
		p.mu.Unlock()
		p.deliverOrBusy(c, ev, ask{})
		return
	}
	m := &message{ID: p.nextIDLocked(), Channel: req.Channel, Author: u.ID, Text: p.markupLocked(req.Text), Time: p.now()}
	if root := p.byID[req.Thread]; root != nil && root.Channel == req.Channel {
		m.Thread = root.ID
		if root.Thread != "" {
			m.Thread = root.Thread
		}
	}
	ch := p.channels[req.Channel]
	p.addLocked(ch, m)
	if ch.slowmode > 0 {
		if ch.lastPost == nil {
			ch.lastPost = map[string]time.Time{}
		}
		ch.lastPost[u.ID] = m.Time
	}
	ev := p.messageEventLocked(m)
	p.mu.Unlock()
	p.deliverOrBusy(c, ev, ask{})
}

// commandText returns what follows "/cm" in s.
func commandText(s string) (string, bool) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, "/cm")
	if !ok || (rest != "" && rest[0] != ' ') {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

func (p *Platform) deliverOrBusy(c *client, ev bot.Event, a ask) {
	if !p.deliver(c, ev, a) {
		p.notice(c, "web.busy")
	}
}

// ownLocked returns c's own, undeleted message id, or the key of why not.
func (p *Platform) ownLocked(c *client, id string) (*message, string) {
	m := p.byID[id]
	switch {
	case m == nil || m.Deleted || !visible(m, c.as):
		return nil, "web.no_message"
	case m.Author != c.as:
		return nil, "web.not_yours"
	}
	return m, ""
}

// edit changes the text of c's own message and tells the engine.
func (p *Platform) edit(c *client, req request) {
	p.mu.Lock()
	m, key := p.ownLocked(c, req.ID)
	var args []any
	if key == "" {
		key, args = p.checkPostLocked(c, m.Channel, req.Text)
	}
	if key != "" {
		p.sendLocked(c, frame{T: "notice", Text: translate(c.lang, key, args...)})
		p.mu.Unlock()
		return
	}
	cp := *m
	cp.Text, cp.Edited = p.markupLocked(req.Text), true
	p.replaceLocked(&cp)
	ev := p.messageEventLocked(&cp)
	ev.ID += ":edit:" + p.nextIDLocked()
	ev.Time = p.now()
	p.mu.Unlock()
	p.deliverOrBusy(c, ev, ask{})
}

// deleteOwn deletes c's own message and tells the engine.
func (p *Platform) deleteOwn(c *client, req request) {
	p.mu.Lock()
	m, key := p.ownLocked(c, req.ID)
	if key != "" {
		p.sendLocked(c, frame{T: "notice", Text: translate(c.lang, key)})
		p.mu.Unlock()
		return
	}
	var deleted []bot.Event
	_ = p.deleteLocked(p.refLocked(m), &deleted)
	p.mu.Unlock()
	p.deliverDeletions(deleted)
}

// press delivers a button press; the button must be on the message's card.
func (p *Platform) press(c *client, req request) {
	p.mu.Lock()
	m := p.byID[req.ID]
	u := p.users[c.as]
	if m == nil || m.Card == nil || u == nil || !visible(m, c.as) ||
		!slices.ContainsFunc(m.Card.Buttons, func(b bot.Button) bool { return b.URL == "" && b.ID == req.Button }) {
		p.sendLocked(c, frame{T: "notice", Text: translate(c.lang, "web.no_button")})
		p.mu.Unlock()
		return
	}
	ev := bot.Event{ID: "a:" + p.nextIDLocked(), Kind: bot.EventAction, Action: req.Button, Message: p.refLocked(m),
		User: userRef(u), Time: p.now(), DM: p.channels[m.Channel].DM != ""}
	p.mu.Unlock()
	p.deliverOrBusy(c, ev, ask{})
}

// submit delivers a form's values; the form must be open for c's user.
func (p *Platform) submit(c *client, req request) {
	p.mu.Lock()
	f := p.forms[req.Token]
	u := p.users[c.as]
	if f == nil || u == nil || f.user != u.ID {
		p.sendLocked(c, frame{T: "formClose", Token: req.Token})
		p.sendLocked(c, frame{T: "notice", Text: translate(c.lang, "web.form_gone")})
		p.mu.Unlock()
		return
	}
	vals := map[string]string{}
	for _, fld := range f.form.Fields {
		v := req.Values[fld.ID]
		if fld.MaxLen > 0 && utf8.RuneCountInString(v) > fld.MaxLen || utf8.RuneCountInString(v) > p.cfg.MaxText {
			p.sendLocked(c, frame{T: "formErrors", Token: req.Token,
				Errors: map[string]string{fld.ID: translate(c.lang, "web.too_long", min(fld.MaxLen, p.cfg.MaxText))}})
			p.mu.Unlock()
			return
		}
		vals[fld.ID] = v
	}
	ev := bot.Event{ID: "v:" + p.nextIDLocked(), Kind: bot.EventSubmit, Action: f.form.ID, Options: vals,
		Message: bot.MessageRef{Channel: Ref(f.channel)}, User: userRef(u), Time: p.now()}
	p.mu.Unlock()
	p.deliverOrBusy(c, ev, ask{token: req.Token})
}

// complete answers the completion of the argument being typed.
func (p *Platform) complete(c *client, req request) {
	p.mu.Lock()
	u := p.users[c.as]
	cs, _ := p.h.(bot.CommandSource)
	if u == nil || cs == nil {
		p.mu.Unlock()
		p.send(c, frame{T: "choices", Req: req.Req})
		return
	}
	// The trailing space matters: it starts the next argument.
	rest, _ := strings.CutPrefix(strings.TrimLeft(req.Text, " "), "/cm ")
	ev, ok := completion(cs.Commands(), strings.TrimLeft(rest, " "))
	if !ok {
		p.mu.Unlock()
		p.send(c, frame{T: "choices", Req: req.Req})
		return
	}
	ev.ID = "ac:" + p.nextIDLocked()
	ev.User, ev.Time = userRef(u), p.now()
	ev.Message = bot.MessageRef{Channel: Ref(req.Channel)}
	p.mu.Unlock()
	p.deliverOrBusy(c, ev, ask{req: req.Req})
}

// completion reads "group verb arg…" as far as it is typed and returns the
// EventAutocomplete for the argument under the cursor (the end), or false
// when no argument of a command is being typed.
func completion(cmds []bot.Command, text string) (bot.Event, bool) {
	toks := bot.SplitArgs(text)
	trailing := strings.HasSuffix(text, " ")
	find := func(route string) *bot.Command {
		for i := range cmds {
			if cmds[i].Route == route || (cmds[i].Default && cmds[i].Group() == route) {
				return &cmds[i]
			}
		}
		return nil
	}
	var cmd *bot.Command
	used := 0
	if len(toks) >= 2 && (len(toks) > 2 || trailing) {
		cmd, used = find(strings.ToLower(toks[0].Text+" "+toks[1].Text)), 2
	}
	if cmd == nil && len(toks) >= 1 && (len(toks) > 1 || trailing) {
		if c := find(strings.ToLower(toks[0].Text)); c != nil && !strings.Contains(c.Route, " ") {
			cmd, used = c, 1
		}
	}
	if cmd == nil {
		return bot.Event{}, false
	}
	args := toks[used:]
	i := len(args) - 1
	prefix := ""
	if trailing {
		i = len(args)
	} else if i >= 0 {
		prefix = args[i].Text
	}
	if i < 0 || i >= len(cmd.Options) {
		return bot.Event{}, false
	}
	opts := map[string]string{}
	for j := range i {
		opts[cmd.Options[j].Name] = args[j].Text
	}
	focus := cmd.Options[i]
	if focus.Type == bot.OptText {
		return bot.Event{}, false
	}
	opts[focus.Name] = prefix
	return bot.Event{Kind: bot.EventAutocomplete, Command: cmd.Route, Focus: focus.Name, Options: opts}, true
}

// respond shows a handler's reply to the page that asked.
func (p *Platform) respond(c *client, ev bot.Event, r *bot.Reply, a ask) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.clients[c]; !ok {
		return
	}
	if ev.Kind == bot.EventAutocomplete {
		f := frame{T: "choices", Req: a.req}
		if r != nil {
			f.Choices = r.Choices
		}
		p.sendLocked(c, f)
		return
	}
	if r == nil {
		if ev.Kind == bot.EventSubmit {
			p.closeFormLocked(a.token)
			p.sendLocked(c, frame{T: "formClose", Token: a.token})
		}
		return
	}
	if ev.Kind == bot.EventSubmit {
		token := a.token
		if len(r.FieldErrors) > 0 {
			p.sendLocked(c, frame{T: "formErrors", Token: token, Errors: r.FieldErrors})
			return
		}
		p.closeFormLocked(token)
		p.sendLocked(c, frame{T: "formClose", Token: token})
	}
	if r.Form != nil {
		token := p.nextIDLocked()
		p.forms[token] = &openForm{form: *r.Form, user: ev.User.ID, channel: ev.Message.Channel.ID}
		p.formSeq = append(p.formSeq, token)
		if len(p.formSeq) > maxForms {
			delete(p.forms, p.formSeq[0])
			p.formSeq = p.formSeq[1:]
		}
		p.sendLocked(c, frame{T: "form", Form: r.Form, Token: token})
	}
	if r.Text == "" && r.Card == nil {
		return
	}
	ch := p.channels[ev.Message.Channel.ID]
	if ch == nil {
		return
	}
	m := &message{ID: p.nextIDLocked(), Channel: ch.ID, Bot: true, Author: botID, Text: r.Text, Card: r.Card, Time: p.now(), To: ch.DM}
	if !r.Public {
		m.To, m.Ephemeral = ev.User.ID, true
	}
	if ev.Message.ThreadID != "" && p.byID[ev.Message.ThreadID] != nil {
		m.Thread = ev.Message.ThreadID
	}
	p.addLocked(ch, m)
}

func (p *Platform) closeFormLocked(token string) {
	delete(p.forms, token)
	p.formSeq = slices.DeleteFunc(p.formSeq, func(t string) bool { return t == token })
}

// playSample posts the configured sample messages, each delivered as its
// author's message.
func (p *Platform) playSample(c *client) {
	for _, s := range p.cfg.Samples {
		p.mu.Lock()
		u, ch := p.users[s.User], p.channels[s.Channel]
		if u == nil || ch == nil {
			p.mu.Unlock()
			continue
		}
		m := &message{ID: p.nextIDLocked(), Channel: ch.ID, Author: u.ID, Text: s.Text, Time: p.now()}
		p.addLocked(ch, m)
		ev := p.messageEventLocked(m)
		p.mu.Unlock()
		p.deliverOrBusy(c, ev, ask{})
	}
}
