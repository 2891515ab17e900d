package bot

import "context"

// Handler handles one Event. A nil Reply means nothing to say to the sender.
// Errors that are *Error reach the user as their safe message; others are
// logged and the user reads a generic message with a reference.
type Handler interface {
	HandleEvent(ctx context.Context, e Event) (*Reply, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, e Event) (*Reply, error)

// HandleEvent calls f.
func (f HandlerFunc) HandleEvent(ctx context.Context, e Event) (*Reply, error) { return f(ctx, e) }

// Middleware wraps a Handler.
type Middleware func(Handler) Handler

// Skill is one capability of the bot. Register adds its routes; it is called
// once at start-up.
type Skill interface {
	Name() string
	Register(r *Router)
}

// Runner is implemented by skills with background work (a scheduler, a
// purge). Run blocks until ctx is done and returns nil then.
type Runner interface {
	Run(ctx context.Context) error
}

// Platform is one chat platform.
type Platform interface {
	ID() PlatformID
	// Run connects, delivers every event to h and blocks until ctx is done.
	// It reconnects on its own; it returns early only on a fatal error (a
	// rejected token).
	Run(ctx context.Context, h Handler) error
	// Do performs one action (see Sender).
	Do(ctx context.Context, a Action) (MessageRef, error)
}

// ConnState is a platform's connection state, for /healthz.
type ConnState string

// Connection states.
const (
	StateConnecting   ConnState = "connecting"
	StateConnected    ConnState = "connected"
	StateDisconnected ConnState = "disconnected"
)

// StatusReporter is implemented by platforms that report their connection.
type StatusReporter interface {
	Status() ConnState
}

// Linker is implemented by platforms that can build a web link to a message
// without I/O.
type Linker interface {
	Link(m MessageRef) string
}

// CommandSource lists the registered commands. The Engine implements it, so
// an adapter can derive its command registration (Discord) from the Handler
// it is given.
type CommandSource interface {
	Commands() []Command
}
