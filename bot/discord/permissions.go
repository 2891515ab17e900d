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

// AboveBot implements bot.PermissionChecker from the state cache: member
// owns the server, or their highest role's position is at or above the
// bot's highest role's. The member's roles come from the cache, else from
// the event that named them. Without a configured server, or before it is
// cached, it cannot tell and returns false.
func (p *Platform) AboveBot(_ context.Context, member bot.UserRef) bool {
	st := p.s.State
	if p.guildID == "" || st.User == nil || member.ID == "" {
		return false
	}
	g, err := st.Guild(p.guildID)
	if err != nil {
		return false
	}
	me, err := st.Member(p.guildID, st.User.ID)
	if err != nil {
		return false
	}
	roles := member.Roles
	if m, err := st.Member(p.guildID, member.ID); err == nil {
		st.RLock()
		roles = slices.Clone(m.Roles)
		st.RUnlock()
	}
	st.RLock()
	defer st.RUnlock()
	if g.OwnerID == member.ID {
		return true
	}
	highest := func(ids []string) int {
		top := 0
		for _, r := range g.Roles {
			if slices.Contains(ids, r.ID) {
				top = max(top, r.Position)
			}
		}
		return top
	}
	return highest(roles) >= highest(me.Roles)
}
