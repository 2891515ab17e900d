// Package bot is the platform-neutral core of commpilot.
//
// It defines what happened (Event), what the bot wants done (Action), the
// neutral rich message (Card) and form (Form), and the Engine that receives
// every Event, drops redeliveries, recovers panics, applies middleware, routes
// the event to a skill and carries out Actions on the Platform that owns the
// target. It imports no chat, LLM, database or metrics SDK: adapters
// (bot/discord, bot/slack), the LLM client (bot/llm) and storage import bot,
// never the other way round, and the engine records through the Metrics
// interface, which cmd/commpilot implements over Prometheus.
//
// # Dependencies
//
// Skills see the rest of the system only through the small interfaces here:
// Sender to act, SettingsStore for the team's settings, Classifier and Drafter
// for triage and replies, Auditor for the audit trail.
//
// # Commands
//
// Every user-facing command is "/cm <group> <verb> <args>". A Command
// declares its typed Options; Slack passes the words as Event.Args and the
// router binds them to options, Discord passes typed Event.Options directly.
// Either way a handler reads e.Options.
//
// # Routes and scopes
//
// Skills register commands, button and form actions, message handlers and
// autocomplete sources on the Router at start-up. Routes registered on the
// Router are for everyone; those registered through r.Group(StaffOnly) are
// for staff, and the engine's staff middleware refuses anyone else before
// the handler runs. A Pattern ("inbox/approve/{id}/{v}") both routes clicks
// and builds the ids put on cards (Pattern.ID).
//
// # Skills
//
// A skill registers its own /cm setup verbs and its own lines of
// /cm setup show (Router.SettingLine), brings its own words (Localized), and
// runs background work when it is a Runner. Install wires a list of skills:
// adding one to the bot is one line in cmd/commpilot.
package bot
