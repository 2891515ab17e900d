package slack

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/commpilot/commpilot/bot"
)

var _ bot.ChannelChecker = (*Platform)(nil)

// CanPost implements bot.ChannelChecker with conversations.info: a channel
// Slack does not know (deleted, or a made-up id) is unknown, and a channel
// the bot is not a member of is refused, since chat:write posts only where
// the bot was invited. Direct messages, and anything Slack does not answer,
// return nil: the send itself will tell.
func (p *Platform) CanPost(ctx context.Context, ch bot.ChannelRef) error {
	return p.member(ctx, ch, bot.ErrCannotPost)
}

// CanRead implements bot.ChannelChecker like CanPost: Slack sends an app
// the messages of the channels it is a member of only, so a channel the bot
// was not invited to is refused, and one Slack does not know (deleted,
// private without the bot, or made up) is unknown.
func (p *Platform) CanRead(ctx context.Context, ch bot.ChannelRef) error {
	return p.member(ctx, ch, bot.ErrCannotRead)
}

// member asks conversations.info whether the bot is in ch: nil when it is,
// or for a direct message or when Slack does not answer; an error wrapping
// bot.ErrUnknownChannel when Slack does not know ch, and notMember when the
// bot was not invited.
func (p *Platform) member(ctx context.Context, ch bot.ChannelRef, notMember error) error {
	info, err := p.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: ch.ID})
	switch {
	case isSlackError(err, "channel_not_found"):
		return fmt.Errorf("slack channel %s: %w", ch.ID, bot.ErrUnknownChannel)
	case err != nil, info.IsIM:
		return nil
	case !info.IsMember:
		return fmt.Errorf("slack channel %s: the bot was not invited: %w", ch.ID, notMember)
	}
	return nil
}
