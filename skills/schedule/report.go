package schedule

import (
	"context"
	"fmt"
	"time"

	"github.com/commpilot/commpilot/bot"
)

var _ bot.ScheduledPostSource = (*Skill)(nil)

// ScheduledPosts counts, for the digest, the occurrences due in [from, to)
// that went out (sent) or did not (failed, unknown, missed), and the posts
// now waiting for a staff member's approval. It reads every live post's
// occurrences: once a day, that is one short read per post.
func (s *Skill) ScheduledPosts(ctx context.Context, from, to time.Time) (bot.ScheduledPostStats, error) {
	var st bot.ScheduledPostStats
	posts, err := s.Store.Posts(ctx, func(p *bot.ScheduledPost) bool { return !p.Cancelled })
	if err != nil {
		return st, fmt.Errorf("scheduled posts for the digest: %w", err)
	}
	for _, p := range posts {
		if p.Approval == bot.ApprovalPending {
			st.AwaitingApproval++
		}
		occs, err := s.Store.Occurrences(ctx, p.ID)
		if err != nil {
			return st, fmt.Errorf("scheduled posts for the digest: %w", err)
		}
		for _, o := range occs {
			if o.At.Before(from) || !o.At.Before(to) {
				continue
			}
			switch o.State {
			case bot.OccSent:
				st.Sent++
			case bot.OccFailed, bot.OccUnknown, bot.OccMissed:
				st.Failed++
			}
		}
	}
	return st, nil
}
