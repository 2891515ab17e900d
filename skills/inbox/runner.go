package inbox

import (
	"context"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// Run recovers from a crash, then sends delayed approvals when due and
// purges finished items past the retention daily, until ctx is done.
func (s *Skill) Run(ctx context.Context) error {
	if err := s.recover(ctx, s.Now()); err != nil {
		return err
	}
	s.purge(ctx)
	purge := time.NewTicker(24 * time.Hour)
	defer purge.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next, ok := s.nextDue()
		wait := time.Hour
		if ok {
			wait = max(time.Until(next), 0)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-timer.C:
			s.sendDue(ctx)
		case <-purge.C:
			s.purge(ctx)
		}
	}
}

// recover finishes what a stopped process left behind, for items last
// changed before started (this process's own work is not touched):
//
//   - "sending": the reply was being sent; whether the platform got it is
//     unknown, so the item becomes "unknown" and its card asks a person.
//   - "pending": the approval had not started sending. Its timer is armed
//     again, unless it is more than the catch-up window late: then the
//     draft goes back for review.
//   - "new": the item was stored but its draft was not; it is drafted now.
func (s *Skill) recover(ctx context.Context, started time.Time) error {
	stuck, err := s.Store.Items(ctx, func(it *bot.Item) bool {
		return it.Updated.Before(started) &&
			(it.State == bot.ItemSending || it.State == bot.ItemPending || it.State == bot.ItemNew)
	})
	if err != nil {
		return err
	}
	for _, it := range stuck {
		switch {
		case it.State == bot.ItemPending && started.Sub(it.SendAt) <= catchUp:
			s.schedule(it.ID, it.SendAt)
		case it.State == bot.ItemNew:
			s.redraftStuck(ctx, it)
		default:
			s.interrupted(ctx, it)
		}
	}
	return nil
}

// purge deletes finished items (sent, rejected, closed) whose last change
// is older than the retention: they hold community messages, which are kept
// no longer than that. Open items stay until a person finishes them.
func (s *Skill) purge(ctx context.Context) {
	st, err := s.Settings.Settings(ctx)
	if err != nil {
		s.log.Error("inbox purge", "err", err)
		return
	}
	before := s.Now().Add(-st.RetentionOrDefault())
	n, err := s.Store.DeleteItems(ctx, func(it *bot.Item) bool {
		return !it.State.Open() && it.Updated.Before(before)
	})
	if err != nil {
		s.log.Error("inbox purge", "err", err)
		return
	}
	if n > 0 {
		s.log.Info("inbox items past the retention deleted", "count", n)
	}
}

// catchUp is how late an approved send may still go out after a restart.
const catchUp = time.Hour

// interrupted moves an item a stopped process left "sending" to "unknown",
// and one left "pending" too long back to "drafted".
func (s *Skill) interrupted(ctx context.Context, stale bot.Item) {
	now := s.Now()
	it, err := s.Store.UpdateItem(ctx, stale.ID, func(cur *bot.Item) error {
		if cur.State != stale.State || !cur.Updated.Equal(stale.Updated) {
			return bot.Errorf(bot.CodeConflict, "inbox.err.stale")
		}
		if cur.State == bot.ItemPending {
			cur.State, cur.SendAt, cur.Reason = bot.ItemDrafted, time.Time{}, "late"
			cur.Log(now, bot.UserRef{}, "approval expired", "not sent within an hour of its time: review again")
			return nil
		}
		cur.State, cur.Reason = bot.ItemUnknown, "restart"
		cur.Log(now, bot.UserRef{}, "send outcome unknown", "interrupted by a restart")
		return nil
	})
	if err != nil {
		s.log.Error("recover item", "id", stale.ID, "err", err)
		return
	}
	s.log.Warn("item left unfinished by a stop: a person must check it", "id", it.ID, "state", it.State)
	s.audit(ctx, bot.UserRef{}, "inbox.recover", it.ID, string(it.State))
	s.refreshCard(ctx, it)
}

// redraftStuck drafts an item whose draft was never stored, and shows it.
func (s *Skill) redraftStuck(ctx context.Context, it bot.Item) {
	st, err := s.Settings.Settings(ctx)
	if err == nil {
		it, err = s.redraft(ctx, st, it, "", "")
	}
	if err == nil {
		err = s.showCard(ctx, st, it)
	}
	if err != nil {
		s.log.Error("draft an item left without one", "id", it.ID, "err", err)
	}
}

func (s *Skill) schedule(id uint64, at time.Time) {
	s.mu.Lock()
	s.pending[id] = at
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Skill) nextDue() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	for _, at := range s.pending {
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next, !next.IsZero()
}

// sendDue moves due pending items to sending, one transaction each (an Undo
// racing it wins or loses cleanly), and sends them. A send that has started
// is finished even when ctx ends (a stop must not turn it into "unknown").
func (s *Skill) sendDue(ctx context.Context) {
	now := s.Now()
	s.mu.Lock()
	var due []uint64
	for id, at := range s.pending {
		if !at.After(now) {
			due = append(due, id)
			delete(s.pending, id)
		}
	}
	s.mu.Unlock()
	for _, id := range due {
		it, err := s.Store.UpdateItem(ctx, id, func(it *bot.Item) error {
			if it.State != bot.ItemPending {
				return bot.Errorf(bot.CodeConflict, "inbox.err.too_late")
			}
			it.State = bot.ItemSending
			it.Log(now, it.Approver, "sending", "after the send delay")
			return nil
		})
		if bot.ErrorCodeOf(err) == bot.CodeConflict {
			continue // undone meanwhile
		}
		if err != nil {
			s.log.Error("start a delayed send; retrying in a minute", "id", id, "err", err)
			s.schedule(id, now.Add(time.Minute))
			continue
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		s.send(sctx, it)
		cancel()
	}
}
