package inbox

import (
	"context"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// Run recovers from a crash, then sends delayed approvals when due, until
// ctx is done.
//
// Recovery: an item left "sending" was being sent when the process stopped;
// whether the platform got it is unknown, so it becomes "unknown" and its
// card asks a person. An item left "pending" had not started sending: its
// timer is armed again.
func (s *Skill) Run(ctx context.Context) error {
	if err := s.recover(ctx); err != nil {
		return err
	}
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
		}
	}
}

func (s *Skill) recover(ctx context.Context) error {
	stuck, err := s.Store.Items(ctx, func(it *bot.Item) bool {
		return it.State == bot.ItemSending || it.State == bot.ItemPending
	})
	if err != nil {
		return err
	}
	for _, it := range stuck {
		if it.State == bot.ItemPending {
			s.schedule(it.ID, it.SendAt)
			continue
		}
		now := s.Now()
		it, err := s.Store.UpdateItem(ctx, it.ID, func(cur *bot.Item) error {
			if cur.State != bot.ItemSending {
				return bot.Errorf(bot.CodeConflict, "inbox.err.stale")
			}
			cur.State, cur.Reason = bot.ItemUnknown, "restart"
			cur.Log(now, bot.UserRef{}, "send outcome unknown", "interrupted by a restart")
			return nil
		})
		if err != nil {
			s.log.Error("recover item", "id", it.ID, "err", err)
			continue
		}
		s.log.Warn("reply interrupted by a restart: marked unknown for a person to check", "id", it.ID)
		s.refreshCard(ctx, it)
	}
	return nil
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

func (s *Skill) unschedule(id uint64) {
	s.mu.Lock()
	delete(s.pending, id)
	s.mu.Unlock()
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
// racing it wins or loses cleanly), and sends them.
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
			return nil
		})
		if err != nil {
			continue // undone meanwhile
		}
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		s.send(sctx, it)
		cancel()
	}
}
