package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
)

// world is a Platform driven by a real Engine and Router, served over real
// HTTP and WebSocket on 127.0.0.1.
type world struct {
	t      *testing.T
	p      *Platform
	srv    *httptest.Server
	events chan bot.Event
	clock  *clock
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

const (
	chCommunity = "C1COMMUNITY"
	chTeam      = "C2TEAM"
	uMember     = "U1SAM"
	uStaff      = "U2ALEX"
	uAdmin      = "U3ROBIN"
)

// testSkill has a command of each kind the platform must carry.
type testSkill struct{ events chan bot.Event }

func (s testSkill) Name() string { return "test" }

func (s testSkill) Register(r *bot.Router) {
	r.Message("record", bot.HandlerFunc(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
		s.events <- e
		return nil, nil
	}))
	r.Command(bot.Command{Route: "echo say", Description: "Say it back",
		Options: []bot.Option{{Name: "text", Type: bot.OptText, Required: true}},
		Handler: bot.HandlerFunc(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
			return bot.Text("you said: " + e.Option("text")), nil
		})})
	r.Command(bot.Command{Route: "echo shout", Description: "Say it to everyone",
		Options: []bot.Option{{Name: "text", Type: bot.OptText, Required: true}},
		Handler: bot.HandlerFunc(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
			return &bot.Reply{Text: strings.ToUpper(e.Option("text")), Public: true}, nil
		})})
	staff := r.Group(bot.StaffOnly)
	rename, named := bot.NewPattern("test/rename/{id}"), bot.NewPattern("test/named/{id}")
	staff.Command(bot.Command{Route: "pick color", Description: "Pick a colour",
		Options: []bot.Option{{Name: "color", Type: bot.OptChoice, Required: true, Choices: []string{"red", "green", "blue"}}},
		Handler: bot.HandlerFunc(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
			return &bot.Reply{Card: &bot.Card{Title: "Colour", Body: e.Option("color"), Tone: bot.ToneGood,
				Buttons: []bot.Button{{Label: "Rename", ID: rename.ID("7"), Style: bot.StylePrimary}}}}, nil
		})})
	staff.Action(rename, bot.HandlerFunc(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
		s.events <- e
		return &bot.Reply{Form: &bot.Form{ID: named.ID(e.Var("id")), Title: "Rename",
			Fields: []bot.FormField{{ID: "name", Label: "Name", Required: true, MaxLen: 20}}}}, nil
	}))
	staff.Action(named, bot.HandlerFunc(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
		if e.Option("name") == "bad" {
			return &bot.Reply{FieldErrors: map[string]string{"name": "not that one"}}, nil
		}
		return bot.Text("renamed to " + e.Option("name")), nil
	}))
}

func newWorld(t *testing.T, mod func(*Config)) *world {
	t.Helper()
	w := &world{t: t, events: make(chan bot.Event, 100), clock: &clock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}}
	cfg := Config{
		Server:   "Test server",
		Channels: []Channel{{ID: chCommunity, Name: "community"}, {ID: chTeam, Name: "team"}},
		Users:    []User{{ID: uMember, Name: "Sam", Role: RoleMember}, {ID: uStaff, Name: "Alex", Role: RoleStaff}, {ID: uAdmin, Name: "Robin", Role: RoleAdmin}},
		Samples:  []Sample{{User: uMember, Channel: chCommunity, Text: "sample one"}, {User: uStaff, Channel: chCommunity, Text: "sample two"}},
		Now:      w.clock.Now,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.p = p
	router := &bot.Router{}
	engine, err := bot.NewEngine(bot.EngineConfig{Router: router, Platforms: []bot.Platform{p},
		Settings: bottest.NewMemSettings(bot.Settings{Staff: []string{"web-role:" + StaffRole}}), Logger: cfg.Logger})
	if err != nil {
		t.Fatal(err)
	}
	testSkill{w.events}.Register(router)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- engine.Run(ctx) }()
	w.srv = httptest.NewServer(p.Handler())
	t.Cleanup(func() {
		w.srv.CloseClientConnections()
		w.srv.Close()
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return w
}

// page is one connected WebSocket client.
type page struct {
	t      *testing.T
	conn   *websocket.Conn
	frames chan frame
}

func (w *world) dial(header http.Header) (*websocket.Conn, *http.Response, error) {
	if header == nil {
		header = http.Header{"Origin": {w.srv.URL}}
	}
	return websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(w.srv.URL, "http")+"/ws", header)
}

// open connects a page as user and returns it after its snapshot.
func (w *world) open(user string) (*page, frame) {
	w.t.Helper()
	conn, _, err := w.dial(nil)
	if err != nil {
		w.t.Fatal(err)
	}
	pg := &page{t: w.t, conn: conn, frames: make(chan frame, 1000)}
	go func() {
		defer close(pg.frames)
		for {
			var f frame
			if err := conn.ReadJSON(&f); err != nil {
				return
			}
			pg.frames <- f
		}
	}()
	w.t.Cleanup(func() { conn.Close() })
	pg.send(request{Op: "hello", As: user})
	snap := pg.next("snapshot")
	if !snap.Running { // Run sends every page a new snapshot when it starts
		snap = pg.next("snapshot")
	}
	return pg, snap
}

func (pg *page) send(r request) {
	pg.t.Helper()
	if err := pg.conn.WriteJSON(r); err != nil {
		pg.t.Fatal(err)
	}
}

// next returns the next frame of type t, skipping others.
func (pg *page) next(t string) frame {
	pg.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-pg.frames:
			if !ok {
				pg.t.Fatalf("connection closed waiting for %s", t)
			}
			if f.T == t {
				return f
			}
		case <-timeout:
			pg.t.Fatalf("no %s frame", t)
		}
	}
}

// nextSkipping is next, failing on any frame bad reports before it.
func (pg *page) nextSkipping(t string, bad func(frame) bool) frame {
	pg.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-pg.frames:
			if !ok {
				pg.t.Fatalf("connection closed waiting for %s", t)
			}
			if bad(f) {
				pg.t.Fatalf("unexpected frame %+v", f)
			}
			if f.T == t {
				return f
			}
		case <-timeout:
			pg.t.Fatalf("no %s frame", t)
		}
	}
}

func (w *world) event(kind bot.EventKind) bot.Event {
	w.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-w.events:
			if e.Kind == kind {
				return e
			}
		case <-timeout:
			w.t.Fatalf("no %s event", kind)
		}
	}
}

func TestSnapshot(t *testing.T) {
	w := newWorld(t, nil)
	_, snap := w.open(uStaff)
	if snap.Me != uStaff || snap.Server != "Test server" || !snap.Running {
		t.Errorf("snapshot me=%q server=%q running=%v", snap.Me, snap.Server, snap.Running)
	}
	if len(snap.Channels) != 2 || snap.Channels[0].Name != "community" {
		t.Errorf("channels = %+v", snap.Channels)
	}
	var routes []string
	for _, c := range snap.Commands {
		routes = append(routes, c.Route)
	}
	if got := strings.Join(routes, ","); got != "echo say,echo shout,pick color" {
		t.Errorf("commands = %s", got)
	}
	if snap.Commands[2].Options[0].Choices[1] != "green" || !snap.Commands[2].Options[0].Complete || snap.Commands[2].Usage != "/cm pick color <color: red|green|blue>" {
		t.Errorf("pick color = %+v", snap.Commands[2])
	}
	if snap.UI["only_you"] != "Only you can see this" {
		t.Errorf("ui = %v", snap.UI)
	}
}

func TestMessagesReachEngineAndEveryPage(t *testing.T) {
	w := newWorld(t, nil)
	sam, _ := w.open(uMember)
	alex, _ := w.open(uStaff)
	sam.send(request{Op: "post", Channel: chCommunity, Text: "hello @Alex, see #team @commpilot"})
	m := alex.next("message").Message
	if m.Author != uMember || m.Text != "hello <@web:U2ALEX>, see <#web:C2TEAM> @commpilot" || m.Channel != chCommunity {
		t.Errorf("message seen by another page = %+v", m)
	}
	if sam.next("message").Message.ID != m.ID {
		t.Error("the author's page did not get its message")
	}
	ev := w.event(bot.EventMessage)
	want := bot.MessageRef{Channel: Ref(chCommunity), ID: m.ID}
	if ev.ID != "m:"+m.ID || ev.Message != want || ev.User.ID != uMember || ev.User.Name != "Sam" || ev.User.Admin || !ev.Mentioned || ev.Mentions.Users != 1 {
		t.Errorf("event = %+v", ev)
	}

	// A reply in the thread of that message.
	alex.send(request{Op: "post", Channel: chCommunity, Thread: m.ID, Text: "hi"})
	r := sam.next("message").Message
	if r.Thread != m.ID {
		t.Errorf("reply thread = %q, want %q", r.Thread, m.ID)
	}
	ev = w.event(bot.EventMessage)
	if ev.ReplyTo.ID != m.ID || ev.Message.ThreadID != m.ID || len(ev.User.Roles) != 1 || ev.User.Roles[0] != StaffRole {
		t.Errorf("reply event = %+v", ev)
	}

	// Edits and deletions, by the author only.
	alex.send(request{Op: "edit", ID: m.ID, Text: "mine now"})
	if n := alex.next("notice").Text; n != "You can only change your own messages." {
		t.Errorf("editing another's message: %q", n)
	}
	sam.send(request{Op: "edit", ID: m.ID, Text: "hello again"})
	if e := alex.next("message").Message; !e.Edited || e.Text != "hello again" || e.ID != m.ID {
		t.Errorf("edited message = %+v", e)
	}
	ev = w.event(bot.EventMessage)
	if !ev.Edited || ev.Text != "hello again" || ev.Message.ID != m.ID || ev.ID == "m:"+m.ID {
		t.Errorf("edit event = %+v", ev)
	}
	sam.send(request{Op: "delete", ID: m.ID})
	if d := alex.next("message").Message; !d.Deleted || d.Text != "" {
		t.Errorf("deleted message = %+v", d)
	}
	ev = w.event(bot.EventMessage)
	if !ev.Deleted || ev.Text != "" || ev.Message.ID != m.ID {
		t.Errorf("delete event = %+v", ev)
	}
}

func TestCommandsRepliesAndCompletion(t *testing.T) {
	w := newWorld(t, nil)
	sam, _ := w.open(uMember)
	alex, _ := w.open(uStaff)

	sam.send(request{Op: "post", Channel: chTeam, Text: "/cm echo say look at #community"})
	m := sam.next("message").Message
	if !m.Ephemeral || m.To != uMember || m.Text != "you said: look at <#web:C1COMMUNITY>" || !m.Bot {
		t.Errorf("ephemeral reply = %+v", m)
	}
	sam.send(request{Op: "post", Channel: chTeam, Text: "/cm echo shout hi all"})
	pub := alex.nextSkipping("message", func(f frame) bool { return f.T == "message" && f.Message.Ephemeral })
	if pub.Message.Text != "HI ALL" || pub.Message.To != "" {
		t.Errorf("public reply seen by another = %+v", pub.Message)
	}
	if m := sam.next("message").Message; m.Text != "HI ALL" {
		t.Errorf("the sender's page got %q", m.Text)
	}

	// The router's errors reach the page.
	sam.send(request{Op: "post", Channel: chTeam, Text: "/cm pick color red"})
	if m := sam.next("message").Message; !strings.Contains(m.Text, "Only staff") {
		t.Errorf("member running a staff command: %q", m.Text)
	}

	alex.send(request{Op: "complete", Req: 7, Channel: chTeam, Text: "/cm pick color g"})
	f := alex.next("choices")
	if f.Req != 7 || len(f.Choices) != 1 || f.Choices[0].Value != "green" {
		t.Errorf("choices = %+v", f)
	}
	alex.send(request{Op: "complete", Req: 8, Channel: chTeam, Text: "/cm pick color "})
	if f := alex.next("choices"); f.Req != 8 || len(f.Choices) != 3 {
		t.Errorf("choices for an empty argument = %+v", f)
	}
	sam.send(request{Op: "complete", Req: 9, Channel: chTeam, Text: "/cm pick color "})
	if f := sam.next("choices"); f.Req != 9 || len(f.Choices) != 0 {
		t.Errorf("a member completing a staff command gets %+v", f)
	}
}

func TestButtonsAndForms(t *testing.T) {
	w := newWorld(t, nil)
	alex, _ := w.open(uStaff)
	alex.send(request{Op: "post", Channel: chTeam, Text: "/cm pick color blue"})
	card := alex.next("message").Message
	if card.Card == nil || card.Card.Body != "blue" || card.Card.Tone != bot.ToneGood || card.Card.Buttons[0].Style != bot.StylePrimary {
		t.Fatalf("card = %+v", card)
	}
	alex.send(request{Op: "press", ID: card.ID, Button: "test/other"})
	if n := alex.next("notice").Text; n != "That button is no longer there." {
		t.Errorf("pressing a button not on the card: %q", n)
	}
	alex.send(request{Op: "press", ID: card.ID, Button: "test/rename/7"})
	ev := w.event(bot.EventAction)
	if ev.Action != "test/rename/7" || ev.Message.ID != card.ID || ev.User.ID != uStaff || ev.Var("id") != "7" {
		t.Errorf("action event = %+v", ev)
	}
	f := alex.next("form")
	if f.Form.Title != "Rename" || f.Token == "" {
		t.Fatalf("form = %+v", f)
	}
	alex.send(request{Op: "submit", Token: f.Token, Values: map[string]string{"name": "bad"}})
	if e := alex.next("formErrors"); e.Errors["name"] != "not that one" || e.Token != f.Token {
		t.Errorf("field errors = %+v", e)
	}
	alex.send(request{Op: "submit", Token: f.Token, Values: map[string]string{"name": strings.Repeat("x", 21)}})
	if e := alex.next("formErrors"); !strings.Contains(e.Errors["name"], "at most 20") {
		t.Errorf("too long a value = %+v", e)
	}
	alex.send(request{Op: "submit", Token: f.Token, Values: map[string]string{"name": "good"}})
	if c := alex.next("formClose"); c.Token != f.Token {
		t.Errorf("formClose = %+v", c)
	}
	if m := alex.next("message").Message; m.Text != "renamed to good" || !m.Ephemeral {
		t.Errorf("answer to the form = %+v", m)
	}
	alex.send(request{Op: "submit", Token: f.Token, Values: map[string]string{"name": "again"}})
	if n := alex.next("notice").Text; n != "This form is no longer open. Open it again." {
		t.Errorf("submitting a closed form: %q", n)
	}
}

func TestModerationActions(t *testing.T) {
	w := newWorld(t, nil)
	sam, _ := w.open(uMember)
	robin, _ := w.open(uAdmin)
	ctx := context.Background()
	member := bot.UserRef{Platform: bot.Web, ID: uMember}

	sam.send(request{Op: "post", Channel: chCommunity, Text: "buy now"})
	m := robin.next("message").Message
	w.event(bot.EventMessage)

	if _, err := w.p.Do(ctx, bot.Action{Kind: bot.ActTimeout, Channel: Ref(chCommunity), User: member, Duration: 10 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	if u := robin.next("user").User; u.ID != uMember || !u.TimeoutUntil.Equal(w.clock.Now().Add(10*time.Minute)) {
		t.Errorf("timed-out user = %+v", u)
	}
	sam.send(request{Op: "post", Channel: chCommunity, Text: "still here"})
	if n := sam.next("notice").Text; n != "You are timed out until 10:10:00 and cannot post before then." {
		t.Errorf("posting while timed out: %q", n)
	}
	w.clock.add(10 * time.Minute)
	sam.send(request{Op: "post", Channel: chCommunity, Text: "back"})
	if got := robin.next("message").Message.Text; got != "back" {
		t.Errorf("after the timeout: %q", got)
	}

	if _, err := w.p.Do(ctx, bot.Action{Kind: bot.ActDelete, Target: bot.MessageRef{Channel: Ref(chCommunity), ID: m.ID}}); err != nil {
		t.Fatal(err)
	}
	if d := robin.next("message").Message; d.ID != m.ID || !d.Deleted {
		t.Errorf("deleted = %+v", d)
	}
	for {
		if ev := w.event(bot.EventMessage); ev.Deleted {
			if ev.Message.ID != m.ID {
				t.Errorf("deletion event for %q", ev.Message.ID)
			}
			break
		}
	}

	dm, err := w.p.Do(ctx, bot.Action{Kind: bot.ActDM, User: member, Text: "Please keep it civil."})
	if err != nil {
		t.Fatal(err)
	}
	snap := sam.next("snapshot") // the DM channel appears
	if got := snap.Channels[len(snap.Channels)-1]; got.ID != dm.Channel.ID || !got.DM {
		t.Errorf("DM channel = %+v (ref %+v)", got, dm)
	}
	if got := sam.next("message").Message; got.Text != "Please keep it civil." || got.To != uMember {
		t.Errorf("DM = %+v", got)
	}

	if _, err := w.p.Do(ctx, bot.Action{Kind: bot.ActBan, Channel: Ref(chCommunity), User: member}); err != nil {
		t.Fatal(err)
	}
	robin.nextSkipping("user", func(f frame) bool { return f.T == "message" && f.Message.To == uMember })
	sam.send(request{Op: "post", Channel: chCommunity, Text: "let me in"})
	if n := sam.next("notice").Text; n != "You are banned from this server, so you cannot post." {
		t.Errorf("posting while banned: %q", n)
	}

	png := []byte("\x89PNG\r\n\x1a\n0000")
	up, err := w.p.Do(ctx, bot.Action{Kind: bot.ActUpload, Channel: Ref(chTeam), File: png, FileName: "chart.png", Text: "Digest"})
	if err != nil {
		t.Fatal(err)
	}
	fm := robin.next("message").Message
	if fm.File != "/files/"+up.ID || fm.FileName != "chart.png" {
		t.Errorf("upload = %+v", fm)
	}
	resp, err := http.Get(w.srv.URL + fm.File)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "image/png" || string(body) != string(png) {
		t.Errorf("served upload: %s %q", resp.Header.Get("Content-Type"), body)
	}
	if _, err := w.p.Do(ctx, bot.Action{Kind: bot.ActUpload, Channel: Ref(chTeam), File: []byte("<svg/>"), FileName: "x.svg"}); err == nil {
		t.Error("a non-PNG upload was accepted")
	}
}

func TestBoundsAndReconnect(t *testing.T) {
	w := newWorld(t, func(c *Config) { c.MaxMessages = 3; c.MaxClients = 2; c.MaxText = 10 })
	sam, _ := w.open(uMember)
	for _, s := range []string{"one", "two", "three", "four", "five"} {
		sam.send(request{Op: "post", Channel: chCommunity, Text: s})
		sam.next("message")
	}
	sam.send(request{Op: "post", Channel: chCommunity, Text: "eleven char"})
	if n := sam.next("notice").Text; n != "That is too long: at most 10 characters." {
		t.Errorf("too long: %q", n)
	}
	sam.conn.Close()
	_, snap := w.open(uMember)
	var texts []string
	for _, m := range snap.Messages {
		texts = append(texts, m.Text)
	}
	if got := strings.Join(texts, ","); got != "three,four,five" {
		t.Errorf("after reconnecting the page has %s", got)
	}
	w.open(uStaff)
	if _, resp, err := w.dial(nil); err == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a third page with MaxClients 2: %v", err)
	}
}

func TestSampleDeliversMessages(t *testing.T) {
	w := newWorld(t, nil)
	alex, _ := w.open(uStaff)
	alex.send(request{Op: "sample"})
	// Events are handled concurrently, as on the other platforms.
	got := map[string]string{}
	for range 2 {
		ev := w.event(bot.EventMessage)
		got[ev.Text] = ev.User.ID
	}
	if got["sample one"] != uMember || got["sample two"] != uStaff {
		t.Errorf("sample events = %v", got)
	}
}

func TestRefusesOtherSites(t *testing.T) {
	w := newWorld(t, nil)
	if _, resp, err := w.dial(http.Header{"Origin": {"http://evil.example"}}); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site WebSocket: %v", err)
	}
	req, _ := http.NewRequest(http.MethodGet, w.srv.URL+"/", nil)
	req.Host = "rebound.example:80"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("a page asked for by another host name: %d", resp.StatusCode)
	}
	resp, err = http.Get(w.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "commpilot playground") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("page: %d %s", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
}

// TestSlowPageIsDropped fills a page's queue: the platform drops it instead
// of waiting.
func TestSlowPageIsDropped(t *testing.T) {
	p, err := New(Config{Channels: []Channel{{ID: chTeam, Name: "team"}}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	c := &client{send: make(chan []byte, queueSize), gone: make(chan struct{})}
	p.mu.Lock()
	p.clients[c] = struct{}{}
	for range queueSize + 1 {
		p.sendLocked(c, frame{T: "notice"})
	}
	_, still := p.clients[c]
	p.mu.Unlock()
	select {
	case <-c.gone:
	default:
		t.Error("the slow page was not told to go")
	}
	if still {
		t.Error("the slow page is still registered")
	}
}

func TestNewChecksTheWorld(t *testing.T) {
	for _, cfg := range []Config{
		{Channels: []Channel{{ID: "team", Name: "team"}}},
		{Channels: []Channel{{ID: "D1DM", Name: "dm"}}},
		{Channels: []Channel{{ID: "C1", Name: "a"}, {ID: "C1", Name: "b"}}},
		{Users: []User{{ID: "U1", Name: "x", Role: "boss"}}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestCompletionReadsTheLine(t *testing.T) {
	cmds := []bot.Command{
		{Route: "help", Options: []bot.Option{{Name: "topic", Type: bot.OptWord}}},
		{Route: "inbox list", Default: true},
		{Route: "inbox assign", Options: []bot.Option{{Name: "id", Type: bot.OptInt}, {Name: "user", Type: bot.OptUser}}},
		{Route: "faq add", Options: []bot.Option{{Name: "entry", Type: bot.OptText}}},
	}
	for _, tc := range []struct {
		line, focus string
		opts        map[string]string
	}{
		{line: "inbox assign ", focus: "id", opts: map[string]string{"id": ""}},
		{line: "inbox assign 4", focus: "id", opts: map[string]string{"id": "4"}},
		{line: "inbox assign 42 @al", focus: "user", opts: map[string]string{"id": "42", "user": "@al"}},
		{line: "INBOX Assign 42 ", focus: "user", opts: map[string]string{"id": "42", "user": ""}},
		{line: "help ", focus: "topic", opts: map[string]string{"topic": ""}},
		{line: "inbox assign 42 <@U1> extra"},
		{line: "inbox assign"},
		{line: "inbox "},
		{line: "faq add what is"},
		{line: "nope "},
		{line: ""},
	} {
		ev, ok := completion(cmds, tc.line)
		if ok != (tc.focus != "") || ev.Focus != tc.focus {
			t.Errorf("%q: focus %q ok %v, want %q", tc.line, ev.Focus, ok, tc.focus)
			continue
		}
		if !ok {
			continue
		}
		if ev.Kind != bot.EventAutocomplete || len(ev.Options) != len(tc.opts) {
			t.Errorf("%q: event %+v", tc.line, ev)
		}
		for k, v := range tc.opts {
			if ev.Options[k] != v {
				t.Errorf("%q: option %s = %q, want %q", tc.line, k, ev.Options[k], v)
			}
		}
	}
}

func TestKickBulkDeleteAndEphemeral(t *testing.T) {
	w := newWorld(t, nil)
	sam, _ := w.open(uMember)
	alex, _ := w.open(uStaff)
	ctx := context.Background()
	member := bot.UserRef{Platform: bot.Web, ID: uMember}
	var ids []string
	for _, s := range []string{"spam 1", "spam 2"} {
		sam.send(request{Op: "post", Channel: chCommunity, Text: s})
		ids = append(ids, alex.next("message").Message.ID)
	}
	if _, err := w.p.Do(ctx, bot.Action{Kind: bot.ActBulkDelete, Channel: Ref(chCommunity), IDs: ids}); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if m := alex.next("message").Message; m.ID != id || !m.Deleted {
			t.Errorf("bulk-deleted %s: %+v", id, m)
		}
	}
	if _, err := w.p.Do(ctx, bot.Action{Kind: bot.ActEphemeral, Channel: Ref(chCommunity), User: member, Text: "Your messages were removed."}); err != nil {
		t.Fatal(err)
	}
	// Sam's page sees its own posts and their deletion, then the ephemeral.
	m := sam.next("message").Message
	for m.To == "" {
		m = sam.next("message").Message
	}
	if m.Text != "Your messages were removed." || !m.Ephemeral || m.To != uMember {
		t.Errorf("ephemeral = %+v", m)
	}
	if _, err := w.p.Do(ctx, bot.Action{Kind: bot.ActKick, Channel: Ref(chCommunity), User: member}); err != nil {
		t.Fatal(err)
	}
	// Alex never sees the ephemeral: the next frames are the kick's.
	f := alex.nextSkipping("user", func(f frame) bool { return f.T == "message" && f.Message.To != "" })
	if !f.User.Kicked || f.User.ID != uMember {
		t.Errorf("kicked user = %+v", f.User)
	}
	sam.send(request{Op: "post", Channel: chCommunity, Text: "hello?"})
	if n := sam.next("notice").Text; n != "You were kicked from this server, so you cannot post." {
		t.Errorf("posting after a kick: %q", n)
	}
	if _, err := w.p.Do(ctx, bot.Action{Kind: bot.ActKick, Channel: Ref(chCommunity), User: bot.UserRef{Platform: bot.Web, ID: "U9NOBODY"}}); err == nil {
		t.Error("kicking an unknown user succeeded")
	}
}

// Undo on a moderation alert lifts a timeout or a ban; slow mode holds a
// member back between two messages while staff post freely.
func TestModerationLiftsAndSlowMode(t *testing.T) {
	w := newWorld(t, nil)
	sam, _ := w.open(uMember)
	alex, _ := w.open(uStaff)
	ctx := context.Background()
	member := bot.UserRef{Platform: bot.Web, ID: uMember}
	do := func(a bot.Action) {
		t.Helper()
		if _, err := w.p.Do(ctx, a); err != nil {
			t.Fatalf("%s: %v", a.Kind, err)
		}
	}
	// posts sends text as c's person and returns the text of the message
	// it made, skipping others' messages the page also sees.
	posts := func(c *page, as, text string) string {
		t.Helper()
		c.send(request{Op: "post", Channel: chCommunity, Text: text})
		for {
			if m := c.next("message").Message; m.Author == as {
				return m.Text
			}
		}
	}

	do(bot.Action{Kind: bot.ActTimeout, Channel: Ref(chCommunity), User: member, Duration: time.Hour})
	do(bot.Action{Kind: bot.ActUntimeout, Channel: Ref(chCommunity), User: member})
	if got := posts(sam, uMember, "free again"); got != "free again" {
		t.Errorf("after the timeout was lifted: %q", got)
	}
	do(bot.Action{Kind: bot.ActBan, Channel: Ref(chCommunity), User: member})
	do(bot.Action{Kind: bot.ActUnban, Channel: Ref(chCommunity), User: member})
	if got := posts(sam, uMember, "unbanned"); got != "unbanned" {
		t.Errorf("after the ban was lifted: %q", got)
	}

	do(bot.Action{Kind: bot.ActSlowmode, Channel: Ref(chCommunity), Duration: 30 * time.Second})
	if got := posts(sam, uMember, "one"); got != "one" {
		t.Errorf("first message under slow mode: %q", got)
	}
	sam.send(request{Op: "post", Channel: chCommunity, Text: "two"})
	if n := sam.next("notice").Text; n != "Slow mode is on in this channel: wait 30 s before posting again." {
		t.Errorf("second message under slow mode: %q", n)
	}
	if posts(alex, uStaff, "staff 1") != "staff 1" || posts(alex, uStaff, "staff 2") != "staff 2" {
		t.Error("staff are held back by slow mode")
	}
	w.clock.add(30 * time.Second)
	if got := posts(sam, uMember, "three"); got != "three" {
		t.Errorf("after the slow-mode wait: %q", got)
	}
	do(bot.Action{Kind: bot.ActSlowmode, Channel: Ref(chCommunity)})
	if got := posts(sam, uMember, "four"); got != "four" {
		t.Errorf("slow mode off: %q", got)
	}
}
