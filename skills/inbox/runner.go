package inbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// Timer kinds of the inbox. Stored: frozen once released.
const (
	// kindSend is an approved item's delayed send, keyed by sendKey.
	kindSend = "inbox.send"
	// kindPurge is the daily purge of finished items (bot.Every).
	kindPurge = "inbox.purge"
)

// purgeEvery is how often finished items past the retention are deleted.
const purgeEvery = 24 * time.Hour

// sendKey is the timer key of the send of item id approved to go at at:
// each approval has its own, so an Undo cancels its own approval's timer and
// never the one of an Approve that followed it.
func sendKey(id uint64, at time.Time) string {
	return strconv.FormatUint(id, 10) + "@" + at.UTC().Format(time.RFC3339Nano)
}

// purgeChunk bounds the items one purge transaction deletes, so message
// appends never wait long for the write lock.
const purgeChunk = 500

// Run recovers what a stopped process left, starts the daily purge (the
// timer runs the sends and purges) and runs the workers until ctx is done.
func (s *Skill) Run(ctx context.Context) error {
	if err := s.recover(ctx, s.Now()); err != nil {
		return err
	}
	if err := s.startPurge(ctx); err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	s.runWorkers(ctx)
	return nil
}

// recover finishes what a stopped process left behind. It reads only the
// indexes: the open items in sending or pending last changed before started
// (this process's own work is not touched), and the outbox.
//
//   - "sending": the reply was being sent; whether the platform got it is
//     unknown, so the item becomes "unknown" and its card asks a person.
//   - "pending": the approval had not started sending. Its timer record is
//     durable; it is scheduled again all the same (the same record, so
//     nothing changes when it exists), and sendDue applies the catch-up rule.
//   - the outbox: every item whose draft or card was not done (whatever its
//     state: new, drafted with its card never posted, a card edit owed) is
//     queued for the workers.
func (s *Skill) recover(ctx context.Context, started time.Time) error {
	stuck, err := s.Store.OpenItems(ctx, bot.ItemSending, bot.ItemPending)
	if err != nil {
		return fmt.Errorf("inbox recovery: %w", err)
	}
	var unknown, rearmed int
	for _, it := range stuck {
		if !it.Updated.Before(started) {
			continue
		}
		if it.State == bot.ItemPending {
			if err := s.scheduleSend(ctx, it.ID, it.SendAt); err != nil {
				return err
			}
			rearmed++
			continue
		}
		s.interrupted(ctx, it)
		unknown++
	}
	drafts, cards, err := s.sweep(ctx)
	if err != nil {
		return fmt.Errorf("inbox recovery: %w", err)
	}
	if drafts+cards+unknown+rearmed > 0 {
		s.log.Info("inbox recovered", "to_draft", drafts, "cards_to_post_or_edit", cards,
			"marked_unknown", unknown, "sends_rearmed", rearmed)
	}
	return nil
}

// purge deletes finished items (sent, rejected, closed) whose last change
// is older than the retention at now: they hold community messages, which
// are kept no longer than that. Open items stay until a person finishes them.
func (s *Skill) purge(ctx context.Context, now time.Time) error {
	st, err := s.Settings.Settings(ctx)
	if err != nil {
		return fmt.Errorf("inbox purge: %w", err)
	}
	n, err := s.Store.DeleteFinished(ctx, now.Add(-st.RetentionOrDefault()), purgeChunk)
	if n > 0 {
		s.log.Info("inbox items past the retention deleted", "count", n)
	}
	if err != nil {
		return fmt.Errorf("inbox purge: %w", err)
	}
	return nil
}

// catchUp is how late an approved send may still go out (after a restart,
// say): later than that, the approval expires.
const catchUp = time.Hour

// interrupted moves an item a stopped process left "sending" to "unknown".
func (s *Skill) interrupted(ctx context.Context, stale bot.Item) {
	now := s.Now()
	it, err := s.Store.UpdateItem(ctx, stale.ID, func(cur *bot.Item) error {
		if cur.State != stale.State || !cur.Updated.Equal(stale.Updated) {
			return bot.Errorf(bot.CodeConflict, "inbox.err.stale")
		}
		cur.State, cur.Reason = bot.ItemUnknown, "restart"
		cur.Log(now, bot.UserRef{}, "send outcome unknown", "interrupted by a restart")
		return nil
	})
	if err != nil {
		s.log.Error("recover item", "id", stale.ID, "err", err)
		return
	}
	s.unfinished(ctx, it)
}

// unfinished tells the team, the audit log and the card that a person must
// look at an item a stop left unfinished.
func (s *Skill) unfinished(ctx context.Context, it bot.Item) {
	s.log.Warn("item left unfinished by a stop: a person must check it", "id", it.ID, "state", it.State)
	s.audit(ctx, bot.UserRef{}, "inbox.recover", it.ID, string(it.State))
	s.refreshCard(ctx, it)
}

// scheduleSend arms the timer of the send of item id approved to go at at.
func (s *Skill) scheduleSend(ctx context.Context, id uint64, at time.Time) error {
	err := s.Timers.Schedule(ctx, bot.TimerRecord{Kind: kindSend, Key: sendKey(id, at), At: at})
	if err != nil {
		return fmt.Errorf("arm the send of #%d: %w", id, err)
	}
	return nil
}

// cancelSend disarms the timer of the approval of item id due at at. A
// failure is only logged: the timer then finds the item not pending for
// that time and sends nothing.
func (s *Skill) cancelSend(ctx context.Context, id uint64, at time.Time) {
	if _, err := s.Timers.Cancel(ctx, kindSend, sendKey(id, at)); err != nil {
		s.log.Error("disarm an undone send", "id", id, "err", err)
	}
}

// sendDue handles an "inbox.send" record: in one transaction the item goes
// from pending to sending, or, when the send is more than catchUp late (the
// bot was stopped), its approval expires and the draft goes back for review.
// Then the reply is sent. A record whose approval was undone or replaced
// (the item is not pending, or pending for another time) or whose item is
// gone does nothing. A send that has started is finished even when ctx
// ends (a stop must not turn it into "unknown").
func (s *Skill) sendDue(ctx context.Context, r bot.TimerRecord) error {
	idText, _, _ := strings.Cut(r.Key, "@")
	id, err := strconv.ParseUint(idText, 10, 64)
	if err != nil {
		s.log.Error("drop a send record with a malformed key", "key", r.Key)
		return nil
	}
	now := s.Now()
	it, err := s.Store.UpdateItem(ctx, id, func(it *bot.Item) error {
		if it.State != bot.ItemPending || !it.SendAt.Equal(r.At) {
			return bot.Errorf(bot.CodeConflict, "inbox.err.too_late")
		}
		if now.Sub(it.SendAt) > catchUp {
			it.State, it.SendAt, it.Reason = bot.ItemDrafted, time.Time{}, "late"
			it.Log(now, bot.UserRef{}, "approval expired", "not sent within an hour of its time: review again")
			return nil
		}
		it.State = bot.ItemSending
		it.Log(now, it.Approver, "sending", "after the send delay")
		return nil
	})
	switch {
	case bot.ErrorCodeOf(err) == bot.CodeConflict, errors.Is(err, bot.ErrNotFound):
		return nil // undone, approved again or purged meanwhile
	case err != nil:
		return fmt.Errorf("start the delayed send of #%d: %w", id, err)
	case it.State == bot.ItemDrafted:
		s.unfinished(ctx, it)
		return nil
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	s.send(sctx, it)
	return nil
}
