package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/discord/discordtest"
	"github.com/commpilot/commpilot/storage"
)

// discordPosts returns what the bot posted in the Discord community channel.
func (w *world) discordPosts() []discordtest.Message {
	var out []discordtest.Message
	for _, m := range w.discord.Messages(discordtest.ChannelID) {
		if m.AuthorID == discordtest.BotID {
			out = append(out, m)
		}
	}
	return out
}

// teamSays waits for a bot message in the Slack team channel containing s.
func (w *world) teamSays(what, s string) {
	w.t.Helper()
	waitUntil(w.t, what, func() bool {
		for _, m := range w.slack.BotMessages(slackTeam) {
			if strings.Contains(m.Shown()+string(m.Blocks), s) {
				return true
			}
		}
		return false
	})
}

// editDB stops the bot, changes its file as a crash or a downtime would have
// left it, and starts it again.
func (w *world) editDB(change func(s *storage.Schedule)) {
	w.t.Helper()
	if err := w.main.Close(); err != nil {
		w.t.Fatal(err)
	}
	db, err := storage.Open(context.Background(), w.cfg.DBPath, storage.Options{})
	if err != nil {
		w.t.Fatal(err)
	}
	change(storage.NewSchedule(db))
	db.Close()
	w.start()
}

const scheduleTarget = "discord:" + discordtest.ChannelID

func TestEndToEndScheduleOnSlackPostsOnDiscordOnTime(t *testing.T) {
	w := newWorld(t)
	asked := time.Now()
	got := w.slack.SlashCommand(slackTeam, slackAlice, "schedule add "+scheduleTarget+" in 2 seconds Notre nouvelle offre arrive !")
	shown := got.Shown() + string(got.Blocks)
	if !strings.Contains(shown, "Post #1 scheduled") || !strings.Contains(shown, "Notre nouvelle offre arrive !") {
		t.Fatalf("confirmation: %s", shown)
	}
	waitUntil(t, "the post on Discord", func() bool { return len(w.discordPosts()) == 1 })
	if waited := time.Since(asked); waited < 2*time.Second {
		t.Errorf("posted %v after scheduling, before its time", waited)
	}
	if p := w.discordPosts()[0]; p.Content != "Notre nouvelle offre arrive !" {
		t.Errorf("posted %q", p.Content)
	}
	// The outcome is recorded just after the platform answers.
	waitUntil(t, "schedule show to list the sent message with its link", func() bool {
		show := w.slack.SlashCommand(slackTeam, slackAlice, "schedule show 1")
		s := show.Shown() + string(show.Blocks)
		return strings.Contains(s, "· sent ·") && strings.Contains(s, w.discordPosts()[0].ID)
	})
}

func TestEndToEndScheduleApproval(t *testing.T) {
	w := newWorld(t)
	if got := w.slack.SlashCommand(slackTeam, slackAlice, "setup schedule-approval on"); !strings.Contains(got.Shown(), "need a staff approval") {
		t.Fatalf("setup: %q", got.Shown())
	}
	w.slack.SlashCommand(slackTeam, slackAlice, "schedule add "+scheduleTarget+" in 2 seconds Never approved")
	w.teamSays("the approval card of #1", "Scheduled post #1 to approve")
	w.teamSays("the team told #1 did not go out", "Post #1 was not approved and did not go out")
	if n := len(w.discordPosts()); n != 0 {
		t.Fatalf("%d unapproved posts went out", n)
	}

	w.slack.SlashCommand(slackTeam, slackAlice, "schedule add "+scheduleTarget+" in 3 seconds Approved in time")
	card := w.slackCard(3) // #1's card, #1's notice, #2's card
	w.slack.ClickButton(slackTeam, card.TS, slackAlice, actionID(t, card.Blocks, "schedule/approve/2/1"))
	waitUntil(t, "the approved post on Discord", func() bool { return len(w.discordPosts()) == 1 })
	if p := w.discordPosts()[0]; p.Content != "Approved in time" {
		t.Errorf("posted %q", p.Content)
	}

	// With approval off, a post goes out with no card.
	w.slack.SlashCommand(slackTeam, slackAlice, "setup schedule-approval off")
	w.slack.SlashCommand(slackTeam, slackAlice, "schedule add "+scheduleTarget+" in 2 seconds No approval needed")
	waitUntil(t, "the post without approval", func() bool { return len(w.discordPosts()) == 2 })
}

func TestEndToEndScheduleKilledBetweenSendingAndSent(t *testing.T) {
	w := newWorld(t)
	w.slack.SlashCommand(slackTeam, slackAlice, "schedule add "+scheduleTarget+" in 2 seconds Posted once")
	waitUntil(t, "the post on Discord", func() bool { return len(w.discordPosts()) == 1 })
	// Killed after the platform took the post, before "sent" was written:
	// the file holds the occurrence in "sending".
	w.editDB(func(s *storage.Schedule) {
		occs, err := s.Occurrences(context.Background(), 1)
		if err != nil || len(occs) != 1 {
			t.Fatalf("occurrences %+v, %v", occs, err)
		}
		if _, _, err := s.UpdateOccurrence(context.Background(), 1, occs[0].At, func(_ *bot.ScheduledPost, o *bot.Occurrence) error {
			o.State, o.Message, o.Link, o.Since = bot.OccSending, bot.MessageRef{}, "", o.At
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	w.teamSays("the card asking a person", "We could not confirm whether post #1 went out")
	if n := len(w.discordPosts()); n != 1 {
		t.Fatalf("posted %d times in total, want once", n)
	}
	card := w.slackCard(1)
	w.slack.ClickButton(slackTeam, card.TS, slackAlice, actionID(t, card.Blocks, "schedule/mark-posted/1/"))
	w.teamSays("the card closed", "confirmed as posted by")
	if n := len(w.discordPosts()); n != 1 {
		t.Fatalf("posted %d times in total, want once", n)
	}
}

func TestEndToEndScheduleDownPastTheWindow(t *testing.T) {
	w := newWorld(t)
	w.slack.SlashCommand(slackTeam, slackAlice, "schedule add "+scheduleTarget+" tomorrow 9am Missed while down")
	// The bot was down from before the post's time until two hours after.
	w.editDB(func(s *storage.Schedule) {
		ctx := context.Background()
		p, err := s.Post(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		past := time.Now().Add(-2 * time.Hour).Truncate(time.Second).UTC()
		if _, _, err := s.UpdateOccurrence(ctx, 1, p.Next, func(_ *bot.ScheduledPost, o *bot.Occurrence) error {
			o.State = bot.OccSkipped
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.UpdateOccurrence(ctx, 1, past, func(p *bot.ScheduledPost, o *bot.Occurrence) error {
			p.Next, p.Rule.At = past, past
			o.State, o.Since = bot.OccScheduled, past.Add(-time.Hour)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	w.teamSays("the missed report", "missed while the bot was down* (1, more than 1h late)")
	if n := len(w.discordPosts()); n != 0 {
		t.Fatalf("%d missed posts went out", n)
	}
}

func TestEndToEndScheduleRefusesAChannelDiscordDoesNotHave(t *testing.T) {
	w := newWorld(t)
	got := w.slack.SlashCommand(slackTeam, slackAlice, "schedule add discord:810000000000000099 tomorrow 9am Hello")
	if !strings.Contains(got.Shown(), "cannot find the channel discord:810000000000000099") {
		t.Fatalf("reply %q", got.Shown())
	}
	if list := w.slack.SlashCommand(slackTeam, slackAlice, "schedule list"); !strings.Contains(list.Shown(), "No scheduled posts") {
		t.Errorf("something was stored: %q", list.Shown())
	}
}

// A Slack channel the bot was not invited to, or that no longer exists, is
// refused when the post is added (conversations.info tells), and nothing is
// stored; a channel it is in is accepted.
func TestEndToEndScheduleRefusesASlackChannelTheBotIsNotIn(t *testing.T) {
	w := newWorld(t)
	w.slack.LeaveChannel("C0ELSEWHERE")
	w.slack.ArchiveChannel("C0GONE")
	got := w.slack.SlashCommand(slackTeam, slackAlice, "schedule add <#C0ELSEWHERE|elsewhere> tomorrow 9am Hello")
	if !strings.Contains(got.Shown(), "The bot is not in") || !strings.Contains(got.Shown(), "/invite @commpilot") {
		t.Fatalf("channel the bot is not in: reply %q", got.Shown())
	}
	got = w.slack.SlashCommand(slackTeam, slackAlice, "schedule add <#C0GONE> tomorrow 9am Hello")
	if !strings.Contains(got.Shown(), "cannot find the channel") {
		t.Fatalf("deleted channel: reply %q", got.Shown())
	}
	if list := w.slack.SlashCommand(slackTeam, slackAlice, "schedule list"); !strings.Contains(list.Shown(), "No scheduled posts") {
		t.Errorf("something was stored: %q", list.Shown())
	}
	got = w.slack.SlashCommand(slackTeam, slackAlice, "schedule add <#"+slackTeam+"> tomorrow 9am Hello")
	if !strings.Contains(got.Shown(), "Post #1 scheduled") {
		t.Errorf("a channel the bot is in: reply %q", got.Shown())
	}
}
