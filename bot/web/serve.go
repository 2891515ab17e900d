package web

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/commpilot/commpilot/bot"
)

//go:embed static
var static embed.FS

// WebSocket timing and sizes.
const (
	pingEvery  = 20 * time.Second
	pongWait   = 60 * time.Second
	writeWait  = 10 * time.Second
	maxRequest = 32 << 10 // one request from a page, bytes
)

// Handler serves the page (/), its files (/static/), uploads (/files/{id})
// and the WebSocket (/ws). Every request must name a loopback host unless
// Config.Public is set; the WebSocket must come from the page's own origin.
func (p *Platform) Handler() http.Handler {
	mux := http.NewServeMux()
	sub, _ := fs.Sub(static, "static")
	files := http.FileServerFS(sub)
	mux.Handle("GET /{$}", files)
	mux.Handle("GET /static/", http.StripPrefix("/static/", files))
	mux.HandleFunc("GET /files/{id}", p.serveFile)
	mux.HandleFunc("GET /ws", p.serveWS)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.cfg.Public && !loopbackHost(r.Host) {
			http.Error(w, "the playground answers on localhost only (start it with --public to serve other names)", http.StatusMisdirectedRequest)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		mux.ServeHTTP(w, r)
	})
}

// loopbackHost reports whether a Host header names this machine.
func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (p *Platform) serveFile(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	m := p.byID[r.PathValue("id")]
	var png []byte
	if m != nil && m.To == "" {
		png = m.png
	}
	p.mu.Unlock()
	if png == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(png)
}

var upgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 4096,
	// A page of another site must not drive the playground: the Origin
	// must be this very host.
	CheckOrigin: func(r *http.Request) bool {
		o := r.Header.Get("Origin")
		return o == "http://"+r.Host || o == "https://"+r.Host
	},
}

// client is one connected page.
type client struct {
	conn *websocket.Conn
	send chan []byte
	gone chan struct{}
	// as and lang are guarded by Platform.mu.
	as   string
	lang bot.Lang
	once sync.Once
}

func (p *Platform) serveWS(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	full := len(p.clients) >= p.cfg.MaxClients
	p.mu.Unlock()
	if full {
		http.Error(w, "too many pages are open on the playground", http.StatusServiceUnavailable)
		return
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered
	}
	c := &client{conn: conn, send: make(chan []byte, queueSize), gone: make(chan struct{}), lang: bot.English}
	p.mu.Lock()
	if len(p.clients) >= p.cfg.MaxClients {
		p.mu.Unlock()
		_ = conn.Close()
		return
	}
	p.clients[c] = struct{}{}
	p.mu.Unlock()

	var wg sync.WaitGroup
	wg.Go(func() { p.write(c) })
	p.read(c)
	p.mu.Lock()
	p.dropLocked(c)
	p.mu.Unlock()
	wg.Wait()
}

// write sends c's queue and pings until c is dropped.
func (p *Platform) write(c *client) {
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	defer c.conn.Close()
	for {
		select {
		case b := <-c.send:
			_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.conn.WriteMessage(websocket.TextMessage, b); err != nil {
				return
			}
		case <-t.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				return
			}
		case <-c.gone:
			_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, ""), time.Now().Add(time.Second))
			return
		}
	}
}

// read handles c's requests until the connection fails or c is dropped.
func (p *Platform) read(c *client) {
	c.conn.SetReadLimit(maxRequest)
	_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
	c.conn.SetPongHandler(func(string) error { return c.conn.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		var req request
		if err := c.conn.ReadJSON(&req); err != nil {
			return
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
		p.handle(c, req)
	}
}

// dropLocked disconnects c; its page reconnects and resynchronises.
func (p *Platform) dropLocked(c *client) {
	delete(p.clients, c)
	c.once.Do(func() { close(c.gone) })
}

// frame is what the page receives; T says which fields are set.
type frame struct {
	T        string            `json:"t"`
	Server   string            `json:"server,omitempty"`
	Me       string            `json:"me,omitempty"`
	Running  bool              `json:"running,omitempty"`
	Channels []channelInfo     `json:"channels,omitempty"`
	Users    []userInfo        `json:"users,omitempty"`
	Messages []*message        `json:"messages,omitempty"`
	Commands []commandInfo     `json:"commands,omitempty"`
	UI       map[string]string `json:"ui,omitempty"`
	Message  *message          `json:"message,omitempty"`
	User     *userInfo         `json:"user,omitempty"`
	Form     *bot.Form         `json:"form,omitempty"`
	Token    string            `json:"token,omitempty"`
	Errors   map[string]string `json:"errors,omitempty"`
	Req      int               `json:"req,omitempty"`
	Choices  []bot.Choice      `json:"choices,omitempty"`
	Text     string            `json:"text,omitempty"`
}

type channelInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	DM   bool   `json:"dm,omitempty"`
}

type userInfo struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Role         Role      `json:"role"`
	TimeoutUntil time.Time `json:"timeoutUntil,omitzero"`
	Kicked       bool      `json:"kicked,omitempty"`
	Banned       bool      `json:"banned,omitempty"`
}

type commandInfo struct {
	Route       string       `json:"route"`
	Usage       string       `json:"usage"`
	Description string       `json:"description"`
	Default     bool         `json:"default,omitempty"`
	Staff       bool         `json:"staff,omitempty"`
	Options     []optionInfo `json:"options,omitempty"`
}

type optionInfo struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Required    bool     `json:"required,omitempty"`
	Text        bool     `json:"text,omitempty"`
	Choices     []string `json:"choices,omitempty"`
	Complete    bool     `json:"complete,omitempty"`
}

func (u *member) info() *userInfo {
	return &userInfo{ID: u.ID, Name: u.Name, Role: u.Role, TimeoutUntil: u.TimeoutUntil, Kicked: u.Kicked, Banned: u.Banned}
}

// visible reports whether the page of user as may see m.
func visible(m *message, as string) bool { return m.To == "" || m.To == as }

// snapshotLocked is the whole state c may see.
func (p *Platform) snapshotLocked(c *client) frame {
	f := frame{T: "snapshot", Server: p.cfg.Server, Me: c.as, Running: p.h != nil, UI: uiStrings(c.lang)}
	for _, id := range p.order {
		ch := p.channels[id]
		if ch.DM != "" && ch.DM != c.as {
			continue
		}
		f.Channels = append(f.Channels, channelInfo{ID: ch.ID, Name: ch.Name, DM: ch.DM != ""})
		for _, m := range ch.msgs {
			if visible(m, c.as) {
				f.Messages = append(f.Messages, m)
			}
		}
	}
	for _, u := range p.cfg.Users {
		f.Users = append(f.Users, *p.users[u.ID].info())
	}
	f.Users = append(f.Users, userInfo{ID: botID, Name: p.cfg.BotName, Role: "bot"})
	if cs, ok := p.h.(bot.CommandSource); ok {
		for _, cmd := range cs.Commands() {
			ci := commandInfo{Route: cmd.Route, Usage: cmd.Usage(), Description: cmd.Description, Default: cmd.Default, Staff: cmd.Scope() == bot.StaffOnly}
			for _, o := range cmd.Options {
				ci.Options = append(ci.Options, optionInfo{Name: o.Name, Description: o.Description, Required: o.Required,
					Text: o.Type == bot.OptText, Choices: o.Choices, Complete: o.Autocomplete != "" || len(o.Choices) > 0})
			}
			f.Commands = append(f.Commands, ci)
		}
	}
	return f
}

// sendLocked queues f for c; a page whose queue is full is dropped.
func (p *Platform) sendLocked(c *client, f frame) {
	b, err := json.Marshal(f)
	if err != nil {
		p.log.Error("encode frame", "t", f.T, "err", err)
		return
	}
	select {
	case c.send <- b:
	default:
		p.log.Warn("page too slow, dropped; it will reconnect")
		p.dropLocked(c)
	}
}

func (p *Platform) broadcastLocked(m *message) {
	for c := range p.clients {
		if visible(m, c.as) {
			p.sendLocked(c, frame{T: "message", Message: m})
		}
	}
}

func (p *Platform) broadcastUserLocked(u *member) {
	for c := range p.clients {
		p.sendLocked(c, frame{T: "user", User: u.info()})
	}
}

// send queues f for c.
func (p *Platform) send(c *client, f frame) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.clients[c]; ok {
		p.sendLocked(c, f)
	}
}

// notice tells c one of Messages in its language.
func (p *Platform) notice(c *client, key string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.clients[c]; ok {
		p.sendLocked(c, frame{T: "notice", Text: translate(c.lang, key, args...)})
	}
}
