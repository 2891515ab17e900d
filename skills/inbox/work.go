package inbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// finishGrace is how long, after Run's context ends, the workers may still
// finish the items in their hands (a draft, a card post waiting out Slack's
// pacing); what is not finished by then stays in the outbox.
const finishGrace = 5 * time.Second

// retryAfter is when a failed draft or card is tried again, up to
// maxAttempts times; after that it waits in the outbox for the next start.
const (
	retryAfter  = 30 * time.Second
	maxAttempts = 5
)

// runWorkers runs the workers until ctx ends: they stop taking items then,
// and finish the ones in hand within finishGrace.
func (s *Skill) runWorkers(ctx context.Context) {
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stopped := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { // cuts the items in hand off finishGrace after ctx ends
		select {
		case <-stopped:
			return
		case <-ctx.Done():
		}
		t := time.NewTimer(finishGrace)
		defer t.Stop()
		select {
		case <-stopped:
		case <-t.C:
			cancel()
		}
	})
	var workers sync.WaitGroup
	for range s.Workers {
		workers.Go(func() {
			for {
				id, ok := s.q.next(ctx)
				if !ok {
					return
				}
				s.work(wctx, id)
				if s.q.done(id) && ctx.Err() == nil {
					if _, _, err := s.sweep(ctx); err != nil {
						s.log.Error("read deferred inbox work", "err", err)
					}
				}
			}
		})
	}
	workers.Wait()
	close(stopped)
	wg.Wait()
}

// sweep queues the outbox's items, in id order, until the queue is full.
// It returns how many of those it queued need a draft and a card.
func (s *Skill) sweep(ctx context.Context) (drafts, cards int, err error) {
	const page = 256
	var after uint64
	for {
		items, err := s.Store.Outbox(ctx, after, page)
		if err != nil {
			return drafts, cards, err
		}
		for _, it := range items {
			if !s.q.add(it.ID, 0) {
				return drafts, cards, nil
			}
			if it.Work&bot.WorkDraft != 0 {
				drafts++
			}
			if it.Work&bot.WorkCard != 0 {
				cards++
			}
			after = it.ID
		}
		if len(items) < page {
			return drafts, cards, nil
		}
	}
}

// work does what item id needs: refine its classification and draft it,
// then post or edit its card, each step stored with its Work bit cleared.
// A step that fails is retried later; the work stays in the outbox.
func (s *Skill) work(ctx context.Context, id uint64) {
	it, err := s.Store.Item(ctx, id)
	if errors.Is(err, bot.ErrNotFound) {
		return // purged meanwhile
	}
	var st bot.Settings
	if err == nil {
		st, err = s.Settings.Settings(ctx)
	}
	if err == nil && it.Work&bot.WorkDraft != 0 {
		it, err = s.draftWork(ctx, st, it)
	}
	if err == nil && it.Work&bot.WorkCard != 0 {
		it, err = s.cardWork(ctx, st, it)
	}
	switch {
	case err != nil && ctx.Err() != nil:
		s.log.Info("inbox work left for the next start", "id", id, "err", err)
	case err != nil:
		if n := s.q.failed(id); n < maxAttempts {
			s.log.Warn("inbox work failed: tried again later", "id", id, "attempt", n, "err", err)
			s.q.add(id, retryAfter)
		} else {
			s.log.Error("inbox work failed: left for the next start", "id", id, "attempts", n, "err", err)
			s.q.forget(id)
		}
	case it.Work != 0:
		// The item changed while it was worked on: another round, after
		// the quiet period (or sooner, if a change queued it sooner).
		s.q.add(id, s.Quiet)
	default:
		s.q.forget(id)
	}
}

// draftWork drafts an item that needs it. A new item's classification is
// first refined by the configured classifier (the LLM, when there is one:
// the handler only used the fast triage). An item a person acted on
// meanwhile (approved, closed, regenerated) is not drafted over.
func (s *Skill) draftWork(ctx context.Context, st bot.Settings, it bot.Item) (bot.Item, error) {
	rev, version := it.Revision(), it.DraftVersion
	drafting := it.State == bot.ItemNew || it.State == bot.ItemDrafted
	var refined *bot.Triage
	if drafting && s.refine && it.DraftVersion == 0 {
		tr, err := s.Classifier.Classify(ctx, bot.TriageInput{Text: conversationText(it),
			BotMentioned: it.Triage.Mentions.Bot, Brand: st.Brand, Competitors: st.Competitors})
		if err != nil {
			s.log.Warn("classification not refined: the triage stands", "id", it.ID, "err", err)
		} else {
			tr.Mentions.Bot = tr.Mentions.Bot || it.Triage.Mentions.Bot
			it.Triage, refined = tr, &tr
		}
	}
	var (
		d     bot.Draft
		flags []string
	)
	if drafting {
		var err error
		if d, flags, err = s.draft(ctx, st, it, "", ""); err != nil {
			return it, err
		}
	}
	return s.Store.UpdateItem(context.WithoutCancel(ctx), it.ID, func(cur *bot.Item) error {
		if cur.DraftVersion != version || (cur.State != bot.ItemNew && cur.State != bot.ItemDrafted) || !drafting {
			cur.Work &^= bot.WorkDraft // overtaken by a person: nothing to draft
			return nil
		}
		if refined != nil {
			cur.Triage = *refined
		}
		unchanged := cur.Revision() == rev
		s.storeDraft(cur, d, flags, "drafted")
		if unchanged {
			cur.Work &^= bot.WorkDraft
		}
		cur.Work |= bot.WorkCard
		return nil
	})
}

// cardWork posts the open item's card to the team channel, or edits it, then
// stores the card's reference and clears WorkCard in one transaction (kept
// when the item changed meanwhile: the card must show that too).
func (s *Skill) cardWork(ctx context.Context, st bot.Settings, it bot.Item) (bot.Item, error) {
	rev := it.Revision()
	var ref bot.MessageRef
	switch {
	case !it.Card.IsZero():
		if _, err := s.Sender.Do(ctx, bot.Action{Kind: bot.ActUpdate, Target: it.Card, Card: s.render(st, it)}); err != nil {
			return it, fmt.Errorf("update card of item %d: %w", it.ID, err)
		}
	case !it.State.Open():
		// Finished before its card was posted (closed from /cm inbox):
		// nobody needs a card for it any more.
	case st.TeamChannel.IsZero():
		s.log.Warn("no team channel: the item waits in /cm inbox; set one with /cm setup team-channel", "id", it.ID)
	default:
		var err error
		if ref, err = s.Sender.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: st.TeamChannel, Card: s.render(st, it)}); err != nil {
			return it, fmt.Errorf("post card of item %d: %w", it.ID, err)
		}
	}
	// Recorded even when ctx ended during the post: the card exists.
	return s.Store.UpdateItem(context.WithoutCancel(ctx), it.ID, func(cur *bot.Item) error {
		if !ref.IsZero() {
			cur.Card = ref
		}
		if cur.Revision() == rev {
			cur.Work &^= bot.WorkCard
		}
		return nil
	})
}
