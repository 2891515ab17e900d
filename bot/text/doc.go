// Package text is the text handling every part of commpilot shares: accent
// and case folding, words with their byte offsets, links and their hosts,
// Discord invite links in the spellings spammers use, and mentions in the
// neutral form skills write.
//
// It is pure Go over the standard library and golang.org/x/text; it knows
// no chat platform. Platform markup (Discord's <@&ID>, Slack's
// <!subteam^ID>) is translated to and from the neutral form by the adapters
// only (bot/discord, bot/slack); see docs/text.md.
//
// # Folding
//
// Fold lowers case and strips accents the same way everywhere, so that a
// keyword set up as "Réçu" matches "recu", "REÇU" and "reçu" typed with a
// combining cedilla.
//
// # Neutral mentions
//
// A skill names a user, a role (a Discord role or a Slack user group) or a
// channel by its reference — "slack:U1", "discord-role:42", "slack:C1", the
// forms the router hands to handlers — wrapped as a mention:
//
//	<@slack:U1>       a user
//	<@slack-role:S1>  a role or user group
//	<#slack:C1>       a channel
//	<#slack:C1|team>  any of them with a display label
//
// MentionOf and ChannelMention build them, Mentions finds them, and Render
// hands each one to an adapter, which writes its own markup. Neutral
// mentions never broadcast: there is no neutral @everyone.
package text
