package discord

import (
	"context"
	"slices"

	"github.com/bwmarrin/discordgo"

	"github.com/commpilot/commpilot/bot"
)

var _ bot.PermissionChecker = (*Platform)(nil)

// neededPermission is the Discord permission an action needs, and its name
// as Discord's server settings show it.
func neededPermission(kind bot.ActionKind) (int64, string) {
	switch kind {
	case bot.ActDelete, bot.ActBulkDelete:
		return discordgo.PermissionManageMessages, "Manage Messages"
	case bot.ActTimeout, bot.ActUntimeout:
		return discordgo.PermissionModerateMembers, "Moderate Members"
	case bot.ActKick:
		return discordgo.PermissionKickMembers, "Kick Members"
	case bot.ActBan, bot.ActUnban:
		return discordgo.PermissionBanMembers, "Ban Members"
	case bot.ActSlowmode:
		return discordgo.PermissionManageChannels, "Manage Channels"
	}
	return 0, ""
}

// MissingPermission implements bot.PermissionChecker from the state cache:
// the bot's server permissions are those of @everyone and of its roles
// (Administrator grants all). Without a configured server (DISCORD_GUILD_ID)
// or before the server is cached it cannot tell and returns "". Channel
// overwrites are not read: a rule applies across channels.
func (p *Platform) MissingPermission(_ context.Context, kind bot.ActionKind) string {
	need, name := neededPermission(kind)
	st := p.s.State
	if need == 0 || p.guildID == "" || st.User == nil {
		return ""
	}
	g, err := st.Guild(p.guildID)
	if err != nil {
		return ""
	}
	m, err := st.Member(p.guildID, st.User.ID)
	if err != nil {
		return ""
	}
	// The cache hands out its own structs, which the gateway's goroutine
	// updates in place: read them under its lock (taken after the lookups,
	// which lock it themselves).
	st.RLock()
	var perms int64
	for _, r := range g.Roles {
		if r.ID == g.ID || slices.Contains(m.Roles, r.ID) {
			perms |= r.Permissions
		}
	}
	st.RUnlock()
	if perms&(discordgo.PermissionAdministrator|need) != 0 {
		return ""
	}
	return name
}
