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
	st := p.s.State
	c, err := st.Channel(ch.ID)
	if err != nil {
		if g, gerr := st.Guild(p.guildID); p.guildID != "" && gerr == nil && g != nil {
			return fmt.Errorf("discord channel %s: %w", ch.ID, bot.ErrUnknownChannel)
		}
		return nil
	}
	if c.GuildID == "" || st.User == nil {
		return nil
	}
	perms, err := st.UserChannelPermissions(st.User.ID, c.ID)
	if err != nil {
		return nil
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
