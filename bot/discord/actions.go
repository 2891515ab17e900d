package discord

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/commpilot/commpilot/bot"
)

// Moderation limits.
const (
	maxTimeout       = 28 * 24 * time.Hour // Discord refuses longer timeouts
	bulkDeleteMax    = 100
	bulkDeleteMaxAge = 14 * 24 * time.Hour // Discord refuses older messages in a bulk delete
	maxAuditReason   = 512
)

// Do performs one action on Discord. See bot.Sender for the contract: an
// error wrapping bot.ErrUnknownOutcome means Discord may have carried it out.
// Posts and replies longer than 2,000 characters are split into several
// messages; the returned reference is the message carrying the card, or the
// first one. Updates and uploads shorten text over 2,000 characters in its
// middle, keeping its end.
func (p *Platform) Do(ctx context.Context, a bot.Action) (bot.MessageRef, error) {
	switch a.Kind {
	case bot.ActPost:
		return p.post(ctx, a.Channel, a.Text, a.Card, nil)
	case bot.ActReply:
		ref := &discordgo.MessageReference{MessageID: a.Target.ID, ChannelID: a.Target.Channel.ID, FailIfNotExists: new(bool)}
		m, err := p.post(ctx, a.Target.Channel, a.Text, a.Card, ref)
		m.ThreadID = a.Target.ThreadID
		return m, err
	case bot.ActUpdate:
		return p.update(ctx, a)
	case bot.ActDelete:
		return bot.MessageRef{}, p.deleteMessage(ctx, a.Target.Channel.ID, a.Target.ID)
	case bot.ActBulkDelete:
		return bot.MessageRef{}, p.bulkDelete(ctx, a.Channel.ID, a.IDs)
	case bot.ActTimeout, bot.ActKick, bot.ActBan, bot.ActUntimeout, bot.ActUnban:
		return bot.MessageRef{}, p.moderate(ctx, a)
	case bot.ActSlowmode:
		return bot.MessageRef{}, p.slowmode(ctx, a)
	case bot.ActDM:
		return p.dm(ctx, a)
	case bot.ActUpload:
		return p.upload(ctx, a)
	case bot.ActEphemeral:
		return bot.MessageRef{}, &bot.Error{Code: bot.CodeUnavailable, Key: "discord.no_ephemeral",
			Err: errors.New("discord: an ephemeral message needs an interaction")}
	}
	return bot.MessageRef{}, fmt.Errorf("discord: action %s not supported", a.Kind)
}

func messagesBucket(channelID string) string { return "channels/" + channelID + "/messages" }

// nonceFor is the nonce of part part of a post to channelID whose body
// (JSON, and the file of an upload) is body: 25 hex digits of its SHA-256,
// the longest nonce Discord takes. Sent with enforce_nonce, it makes
// Discord return the message it already created with that nonce in the
// past few minutes instead of creating another, so a post sent again after
// an unknown outcome (the inbox's "Send again": the same reply to the same
// message) cannot appear twice. The identity of a post is its content:
// two identical posts to one channel within those minutes are one message.
func nonceFor(channelID string, part int, body []byte) string {
	h := sha256.New()
	h.Write([]byte(channelID))
	h.Write([]byte{0, byte(part >> 8), byte(part)})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))[:25]
}

// post sends text and card to a channel, as consecutive messages when the
// text is long; only the first carries the reference.
func (p *Platform) post(ctx context.Context, ch bot.ChannelRef, text string, card *bot.Card, ref *discordgo.MessageReference) (bot.MessageRef, error) {
	if ch.ID == "" {
		return bot.MessageRef{}, errors.New("discord: post: no channel")
	}
	if text == "" && card == nil {
		return bot.MessageRef{}, bot.Invalid("discord.nothing_to_say")
	}
	bodies, err := renderMessages(text, card)
	if err != nil {
		return bot.MessageRef{}, fmt.Errorf("discord: post: %w", err)
	}
	bodies[0].Reference = ref
	var result bot.MessageRef
	for i, b := range bodies {
		raw, err := json.Marshal(b)
		if err != nil {
			return result, fmt.Errorf("discord: post: encode: %w", err)
		}
		b.Nonce, b.EnforceNonce = nonceFor(ch.ID, i, raw), true
		var m discordgo.Message
		if err := p.call(ctx, http.MethodPost, discordgo.EndpointChannelMessages(ch.ID), messagesBucket(ch.ID), b, &m); err != nil {
			if i > 0 {
				// Part of the text is out: retrying would repeat it.
				err = fmt.Errorf("%w: part %d of %d failed: %w", bot.ErrUnknownOutcome, i+1, len(bodies), err)
			}
			return result, fmt.Errorf("discord: post: %w", wrapREST(err))
		}
		if i == 0 || len(b.Embeds) > 0 {
			result = bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Discord, ID: ch.ID}, ID: m.ID}
		}
	}
	return result, nil
}

func (p *Platform) update(ctx context.Context, a bot.Action) (bot.MessageRef, error) {
	if a.Text == "" && a.Card == nil {
		return bot.MessageRef{}, bot.Invalid("discord.nothing_to_say")
	}
	b, err := renderEdit(a.Text, a.Card)
	if err != nil {
		return bot.MessageRef{}, fmt.Errorf("discord: update: %w", err)
	}
	ch := a.Target.Channel.ID
	if err := p.call(ctx, http.MethodPatch, discordgo.EndpointChannelMessage(ch, a.Target.ID), messagesBucket(ch), b, nil); err != nil {
		return bot.MessageRef{}, fmt.Errorf("discord: update: %w", wrapREST(err))
	}
	return a.Target, nil
}

// deleteMessage deletes one message; a message already gone counts as deleted.
func (p *Platform) deleteMessage(ctx context.Context, channelID, messageID string) error {
	err := p.call(ctx, http.MethodDelete, discordgo.EndpointChannelMessage(channelID, messageID), "channels/"+channelID+"/messages/delete", nil, nil)
	if err != nil && discordCode(err) == discordgo.ErrCodeUnknownMessage {
		return nil
	}
	if err != nil {
		return fmt.Errorf("discord: delete: %w", wrapREST(err))
	}
	return nil
}

// bulkDelete deletes ids in channelID: messages younger than 14 days go in
// bulk-delete requests of 2..100 ids, serialised per channel by the
// channel's rate-limit bucket; older ones (and a lone one) are deleted one
// by one, as Discord requires.
func (p *Platform) bulkDelete(ctx context.Context, channelID string, ids []string) error {
	var young, single []string
	cutoff := time.Now().Add(-bulkDeleteMaxAge + time.Minute)
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		t, err := discordgo.SnowflakeTimestamp(id)
		if err != nil {
			return bot.Invalid("err.bad_number", id)
		}
		if t.Before(cutoff) {
			single = append(single, id)
		} else {
			young = append(young, id)
		}
	}
	for len(young) > 0 {
		n := min(len(young), bulkDeleteMax)
		chunk := young[:n]
		young = young[n:]
		if len(chunk) == 1 {
			single = append(single, chunk[0])
			continue
		}
		body := map[string][]string{"messages": chunk}
		if err := p.call(ctx, http.MethodPost, discordgo.EndpointChannelMessagesBulkDelete(channelID), "channels/"+channelID+"/bulk-delete", body, nil); err != nil {
			return fmt.Errorf("discord: bulk delete: %w", wrapREST(err))
		}
	}
	for _, id := range single {
		if err := p.deleteMessage(ctx, channelID, id); err != nil {
			return err
		}
	}
	return nil
}

// moderate times out, kicks or bans a.User in the guild of a.Channel, with
// a.Reason in the X-Audit-Log-Reason header (URL-encoded, as Discord wants).
func (p *Platform) moderate(ctx context.Context, a bot.Action) error {
	if a.User.ID == "" {
		return fmt.Errorf("discord: %s: no user", a.Kind)
	}
	guild, err := p.guildOf(ctx, a.Channel.ID)
	if err != nil {
		return fmt.Errorf("discord: %s: %w", a.Kind, err)
	}
	var opts []discordgo.RequestOption
	if a.Reason != "" {
		r := a.Reason
		if utf8.RuneCountInString(r) > maxAuditReason {
			r = string([]rune(r)[:maxAuditReason])
		}
		opts = append(opts, discordgo.WithAuditLogReason(url.PathEscape(r)))
	}
	bucket := "guilds/" + guild + "/members"
	switch a.Kind {
	case bot.ActTimeout:
		if a.Duration <= 0 {
			return bot.Invalid("err.bad_duration", a.Duration.String())
		}
		until := time.Now().Add(min(a.Duration, maxTimeout)).UTC().Format(time.RFC3339)
		body := map[string]string{"communication_disabled_until": until}
		err = p.call(ctx, http.MethodPatch, discordgo.EndpointGuildMember(guild, a.User.ID), bucket, body, nil, opts...)
	case bot.ActKick:
		err = p.call(ctx, http.MethodDelete, discordgo.EndpointGuildMember(guild, a.User.ID), bucket, nil, nil, opts...)
	case bot.ActBan:
		body := map[string]int{"delete_message_seconds": 0}
		err = p.call(ctx, http.MethodPut, discordgo.EndpointGuildBan(guild, a.User.ID), "guilds/"+guild+"/bans", body, nil, opts...)
	case bot.ActUntimeout:
		body := map[string]any{"communication_disabled_until": nil}
		err = p.call(ctx, http.MethodPatch, discordgo.EndpointGuildMember(guild, a.User.ID), bucket, body, nil, opts...)
	case bot.ActUnban:
		err = p.call(ctx, http.MethodDelete, discordgo.EndpointGuildBan(guild, a.User.ID), "guilds/"+guild+"/bans", nil, nil, opts...)
		if err != nil && discordCode(err) == discordgo.ErrCodeUnknownBan {
			err = nil // already lifted
		}
	}
	if err != nil {
		return fmt.Errorf("discord: %s: %w", a.Kind, wrapREST(err))
	}
	return nil
}

// maxSlowmode is Discord's longest slow mode (6 hours).
const maxSlowmode = 6 * time.Hour

// slowmode sets the channel's per-member message interval (0 turns it off).
func (p *Platform) slowmode(ctx context.Context, a bot.Action) error {
	if a.Channel.ID == "" || a.Duration < 0 || a.Duration > maxSlowmode {
		return bot.Invalid("err.bad_duration", a.Duration.String())
	}
	body := map[string]int{"rate_limit_per_user": int(a.Duration / time.Second)}
	if err := p.call(ctx, http.MethodPatch, discordgo.EndpointChannel(a.Channel.ID), "channels/"+a.Channel.ID, body, nil); err != nil {
		return fmt.Errorf("discord: slowmode: %w", wrapREST(err))
	}
	return nil
}

// guildOf returns the guild of a channel: from the state cache, else from
// GET /channels/{id}.
func (p *Platform) guildOf(ctx context.Context, channelID string) (string, error) {
	if channelID == "" {
		return "", errors.New("no channel to find the server from")
	}
	if ch, err := p.s.State.Channel(channelID); err == nil && ch.GuildID != "" {
		return ch.GuildID, nil
	}
	var ch discordgo.Channel
	if err := p.call(ctx, http.MethodGet, discordgo.EndpointChannel(channelID), "channels/"+channelID, nil, &ch); err != nil {
		return "", fmt.Errorf("look up channel %s: %w", channelID, wrapREST(err))
	}
	if ch.GuildID == "" {
		return "", &bot.Error{Code: bot.CodeInvalid, Key: "discord.not_in_guild", Err: fmt.Errorf("channel %s has no guild", channelID)}
	}
	return ch.GuildID, nil
}

// dm opens (or reuses) the DM channel with a.User and posts a.Text there.
func (p *Platform) dm(ctx context.Context, a bot.Action) (bot.MessageRef, error) {
	if a.User.ID == "" {
		return bot.MessageRef{}, errors.New("discord: dm: no user")
	}
	var ch discordgo.Channel
	body := map[string]string{"recipient_id": a.User.ID}
	if err := p.call(ctx, http.MethodPost, discordgo.EndpointUserChannels("@me"), "users/@me/channels", body, &ch); err != nil {
		return bot.MessageRef{}, fmt.Errorf("discord: dm: %w", wrapREST(err))
	}
	return p.post(ctx, bot.ChannelRef{Platform: bot.Discord, ID: ch.ID}, a.Text, a.Card, nil)
}

// upload posts a.File as a PNG attachment with a.Text (shortened to 2,000
// characters), as multipart/form-data.
func (p *Platform) upload(ctx context.Context, a bot.Action) (bot.MessageRef, error) {
	name := a.FileName
	if name == "" {
		name = "image.png"
	}
	body := messageBody{Content: shorten(renderMentions(a.Text), maxContent), AllowedMentions: safeMentions(),
		Attachments: []attachment{{ID: 0, Filename: name}}}
	raw, err := json.Marshal(body)
	if err != nil {
		return bot.MessageRef{}, fmt.Errorf("discord: upload: encode: %w", err)
	}
	body.Nonce, body.EnforceNonce = nonceFor(a.Channel.ID, 0, append(raw, a.File...)), true
	ctype, data, err := discordgo.MultipartBodyWithJSON(body, []*discordgo.File{{Name: name, ContentType: "image/png", Reader: bytes.NewReader(a.File)}})
	if err != nil {
		return bot.MessageRef{}, fmt.Errorf("discord: upload: %w", err)
	}
	ch := a.Channel.ID
	var m discordgo.Message
	if err := p.callRaw(ctx, http.MethodPost, discordgo.EndpointChannelMessages(ch), messagesBucket(ch), ctype, data, &m); err != nil {
		return bot.MessageRef{}, fmt.Errorf("discord: upload: %w", wrapREST(err))
	}
	return bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Discord, ID: ch}, ID: m.ID}, nil
}

// wrapREST turns a 403 into a domain error users can read; other errors
// pass unchanged.
func wrapREST(err error) error {
	if statusOf(err) == http.StatusForbidden {
		return &bot.Error{Code: bot.CodeUnavailable, Key: "discord.no_permission", Err: err}
	}
	return err
}
