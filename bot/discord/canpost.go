package discord

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/commpilot/commpilot/bot"
)

var _ bot.ChannelChecker = (*Platform)(nil)

// CanPost implements bot.ChannelChecker from the state cache (filled by
// GUILD_CREATE and the channel, role and member events): a channel of the
// configured server (DISCORD_GUILD_ID) that the cache does not hold is
// unknown; a cached channel where the bot lacks View Channel or Send
// Messages (Send Messages in Threads for a thread) is refused. Anything the
// cache cannot settle (no server configured, the bot's member not cached)
// returns nil: the send itself will tell.
func (p *Platform) CanPost(_ context.Context, ch bot.ChannelRef) error {
	c, perms, err := p.permissions(ch)
	if c == nil || err != nil {
		return err
	}
	send := int64(discordgo.PermissionSendMessages)
	if c.IsThread() {
		send = discordgo.PermissionSendMessagesInThreads
	}
	if perms&discordgo.PermissionViewChannel == 0 || perms&send == 0 { // Administrator grants both
		return fmt.Errorf("discord channel %s: %w", ch.ID, bot.ErrCannotPost)
	}
	return nil
}

// CanRead implements bot.ChannelChecker from the state cache like CanPost:
// a cached channel where the bot lacks View Channel, without which Discord
// sends it none of the channel's messages, is refused.
func (p *Platform) CanRead(_ context.Context, ch bot.ChannelRef) error {
	c, perms, err := p.permissions(ch)
	if c == nil || err != nil {
		return err
	}
	if perms&discordgo.PermissionViewChannel == 0 { // Administrator grants it
		return fmt.Errorf("discord channel %s: %w", ch.ID, bot.ErrCannotRead)
	}
	return nil
}

// permissions returns ch from the state cache with the bot's permissions
// there. The error wraps bot.ErrUnknownChannel when the configured server
// is cached and ch is not one of its channels; c is nil, with a nil error,
// when the cache cannot tell.
func (p *Platform) permissions(ch bot.ChannelRef) (c *discordgo.Channel, perms int64, err error) {
	st := p.s.State
	c, err = st.Channel(ch.ID)
	if err != nil || (p.guildID != "" && c.GuildID != "" && c.GuildID != p.guildID) {
		if g, gerr := st.Guild(p.guildID); p.guildID != "" && gerr == nil && g != nil {
			return nil, 0, fmt.Errorf("discord channel %s: %w", ch.ID, bot.ErrUnknownChannel)
		}
		return nil, 0, nil
	}
	if c.GuildID == "" || st.User == nil {
		return nil, 0, nil
	}
	perms, err = st.UserChannelPermissions(st.User.ID, c.ID)
	if err != nil {
		return nil, 0, nil
	}
	return c, perms, nil
}
