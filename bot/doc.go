// Package bot is the platform-neutral core of commpilot.
//
// It defines what happened (Event), what the bot wants done (Action), the
// neutral rich message (Card) and form (Form), and the Engine that receives
// every Event, drops redeliveries, recovers panics, applies middleware, routes
// the event to a skill and carries out Actions on the Platform that owns the
// target. It imports no chat, LLM or database SDK: adapters (bot/discord,
// bot/slack), the LLM client (bot/llm) and storage import bot, never the
// other way round.
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
package bot
