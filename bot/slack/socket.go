package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/commpilot/commpilot/bot"
)

// ackTimeout bounds how long an acknowledgement may wait to be queued
// (while the socket is being reopened).
const ackTimeout = 5 * time.Second

// runSocket runs Socket Mode until ctx is done: slack-go's client owns the
// socket (hello, pings, disconnect messages, reconnects with backoff); this
// loop acknowledges each envelope and hands its work to the session.
func (p *Platform) runSocket(ctx context.Context, s *session) error {
	smc := socketmode.New(p.api,
		socketmode.OptionLog(logWriter{p.log}),
		socketmode.OptionPingInterval(p.pingInterval),
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.runClient(ctx, smc) }()
	life := socketLife{started: time.Now()}
	for {
		select {
		case <-ctx.Done():
			return <-done
		case err := <-done:
			return err
		case evt := <-smc.Events:
			p.onSocketEvent(ctx, s, smc, evt, &life)
		}
	}
}

// socketLife is what runSocket knows of the sockets it had.
type socketLife struct {
	hellos  int       // hello messages received: each opens a socket
	started time.Time // when runSocket started
}

// runClient runs slack-go's client, restarting it after backoff if it stops
// on anything but a rejected token or ctx.
func (p *Platform) runClient(ctx context.Context, smc *socketmode.Client) error {
	delay := p.backoffMin
	for {
		err := smc.RunContext(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if code, ok := fatalAuth(err); ok {
			return fmt.Errorf("slack: SLACK_APP_TOKEN was rejected by Slack (%s)", code)
		}
		var sc slack.StatusCodeError
		if errors.As(err, &sc) && sc.Code == http.StatusNotFound {
			return errors.New("slack: apps.connections.open answered 404: check SLACK_API_URL and that Socket Mode is enabled for the app")
		}
		p.setState(bot.StateDisconnected)
		p.log.Warn("slack socket mode stopped, restarting", "err", err, "in", delay)
		if !bot.Sleep(ctx, delay) {
			return nil
		}
		delay = min(delay*2, p.backoffMax)
	}
}

func (p *Platform) onSocketEvent(ctx context.Context, s *session, smc *socketmode.Client, evt socketmode.Event, life *socketLife) {
	switch evt.Type {
	case socketmode.EventTypeHello:
		// A socket is open. After the first, what was posted meanwhile
		// is fetched: Slack does not send it again. The snapshot is taken
		// before any event of the new socket is read (they come after
		// hello, on this goroutine). A channel nothing was seen from is
		// fetched from the start of the run: the time this loop handles
		// an event lags behind the socket when the slots are full, so no
		// later moment is known to be safe.
		life.hellos++
		if life.hellos > 1 {
			seen, since := p.seen.snapshot(), life.started
			s.background(func(ctx context.Context) { p.backfill(ctx, s, since, seen) })
		}
	case socketmode.EventTypeConnecting:
		p.setState(bot.StateConnecting)
	case socketmode.EventTypeConnectionError:
		p.setState(bot.StateDisconnected)
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			p.log.Warn("slack socket connection failed", "attempt", ce.Attempt, "retry_in", ce.Backoff, "err", ce.ErrorObj)
		}
	case socketmode.EventTypeConnected:
		p.setState(bot.StateConnected)
		p.log.Info("slack socket connected")
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		p.log.Warn("slack socket error", "type", evt.Type, "data", fmt.Sprint(evt.Data))
	case socketmode.EventTypeErrorBadMessage:
		// Unknown inner event types land here, unacknowledged: ack them so
		// Slack does not redeliver what we will never handle.
		bm, _ := evt.Data.(*socketmode.ErrorBadMessage)
		if bm == nil {
			return
		}
		var env struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if json.Unmarshal(bm.Message, &env) == nil && env.EnvelopeID != "" {
			p.ack(ctx, smc, env.EnvelopeID, nil)
		}
		p.log.Debug("slack envelope not understood", "err", bm.Cause)
	case socketmode.EventTypeEventsAPI, socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive:
		r, ok := socketRequest(evt)
		if !ok || evt.Request == nil {
			p.log.Warn("slack envelope without payload", "type", evt.Type)
			return
		}
		id := evt.Request.EnvelopeID
		if r.synchronous() {
			s.spawnUnbounded(func(context.Context) {
				ack, then := s.receive(r)
				p.ack(ctx, smc, id, ack)
				if then != nil {
					then()
				}
			})
			return
		}
		ack, then := s.receive(r)
		p.ack(ctx, smc, id, ack)
		if then != nil {
			then()
		}
	}
}

// socketRequest takes the parsed payload out of a socketmode event.
func socketRequest(evt socketmode.Event) (request, bool) {
	switch d := evt.Data.(type) {
	case slackevents.EventsAPIEvent:
		return request{event: &d}, true
	case slack.SlashCommand:
		return request{command: &d}, true
	case slack.InteractionCallback:
		return request{interaction: &d}, true
	}
	return request{}, false
}

func (p *Platform) ack(ctx context.Context, smc *socketmode.Client, envelopeID string, payload any) {
	ctx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	if err := smc.AckCtx(ctx, envelopeID, payload); err != nil {
		p.log.Warn("slack ack failed", "envelope", envelopeID, "err", err)
	}
}

// logWriter feeds slack-go's debug output (off unless its debug option is
// set) to a slog logger.
type logWriter struct{ log *slog.Logger }

// Output logs s at debug level; slack-go's logger interface.
func (w logWriter) Output(_ int, s string) error {
	w.log.Debug("slack-go", "msg", s)
	return nil
}
