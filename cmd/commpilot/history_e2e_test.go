package main

import (
	"context"
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/discord/discordtest"
	"github.com/commpilot/commpilot/bot/slack/slacktest"
	"github.com/commpilot/commpilot/storage"
)

// history reads what the running bot stored of channel, by message id.
func (w *world) history(channel bot.ChannelRef) map[string]bot.LoggedMessage {
	w.t.Helper()
	out := map[string]bot.LoggedMessage{}
	err := storage.NewMessageLog(w.main.DB).Range(context.Background(), bot.HistoryFilter{Channels: []bot.ChannelRef{channel}},
		func(m bot.LoggedMessage) bool { out[m.Ref.ID] = m; return true })
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// Messages, their edits and their deletions on both platforms reach the
// history of the running bot.
func TestEndToEndHistoryKeepsEditsAndDeletions(t *testing.T) {
	w := newWorld(t)
	general := bot.ChannelRef{Platform: bot.Discord, ID: discordtest.ChannelID}
	kept := w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "nice day <@"+discordtest.Alice.ID+">",
		discordtest.WithAttachment("sunset.jpg", "image/jpeg", 120000))
	gone := w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "my phone number is 555-0100")
	spam1 := w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "free nitro 1")
	spam2 := w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "free nitro 2")
	waitUntil(t, "four Discord messages in the history", func() bool { return len(w.history(general)) == 4 })
	w.discord.EditUserMessage(discordtest.ChannelID, kept, discordtest.Bob, "nice day")
	w.discord.EditUserMessage(discordtest.ChannelID, kept, discordtest.Bob, "nice day, everyone")
	w.discord.DeleteUserMessage(discordtest.ChannelID, gone)
	w.discord.BulkDeleteUserMessages(discordtest.ChannelID, spam1, spam2)
	waitUntil(t, "the second edit and the deletions in the history", func() bool {
		h := w.history(general)
		return h[kept].Text == "nice day, everyone" && h[gone].Deleted && h[spam1].Deleted && h[spam2].Deleted
	})
	h := w.history(general)
	if m := h[kept]; !m.Edited || len(m.Attachments) != 1 || m.Attachments[0].Name != "sunset.jpg" ||
		m.Author.Key() != "discord:"+discordtest.Bob.ID || m.AuthorCreated.IsZero() || m.AuthorJoined.IsZero() ||
		!strings.HasSuffix(m.Link, "/channels/"+discordtest.GuildID+"/"+discordtest.ChannelID+"/"+kept) {
		t.Errorf("edited message = %+v", m)
	}
	for _, id := range []string{gone, spam1, spam2} {
		if m := h[id]; m.Text != "" || !m.Deleted {
			t.Errorf("deleted message %s kept %+v", id, m)
		}
	}

	community := bot.ChannelRef{Platform: bot.Slack, ID: slackCommunity}
	ts := w.slack.PostUserFiles(slackCommunity, slackBob, "here is my invoice", "",
		slacktest.File{Name: "invoice.pdf", Mimetype: "application/pdf", Size: 5100})
	oops := w.slack.PostUserMessage(slackCommunity, slackBob, "wrong channel, sorry", "")
	waitUntil(t, "two Slack messages in the history", func() bool { return len(w.history(community)) == 2 })
	w.slack.EditUserMessage(slackCommunity, ts, "here is my invoice (the right one)")
	w.slack.DeleteUserMessage(slackCommunity, oops)
	waitUntil(t, "the Slack edit and deletion in the history", func() bool {
		h := w.history(community)
		return h[ts].Edited && h[oops].Deleted
	})
	h = w.history(community)
	if m := h[ts]; m.Text != "here is my invoice (the right one)" || len(m.Attachments) != 1 || m.Attachments[0].Type != "application/pdf" {
		t.Errorf("edited Slack message = %+v", m)
	}
	if m := h[oops]; m.Text != "" {
		t.Errorf("deleted Slack message kept its text: %+v", m)
	}
}
