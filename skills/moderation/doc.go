// Package moderation is the /cm rule, /cm case and /cm mod skill: rules made
// of typed parts (a trigger, conditions, actions) evaluated on a normalised
// message before the inbox sees it, strikes with escalation, and a numbered
// case for every action. See docs/moderation.md.
package moderation
