package moderation

import (
	"context"
	"fmt"
	"time"

	"github.com/commpilot/commpilot/bot"
)

var _ bot.ModerationSource = (*Skill)(nil)

// maxDigestCases bounds how many of the latest cases one digest reads.
const maxDigestCases = 10000

// ModerationActions counts, for the digest, the cases opened in [from, to)
// by rule name; a person's action counts under "manual". It reads the latest
// cases, newest first, and stops at the first older than from.
func (s *Skill) ModerationActions(ctx context.Context, from, to time.Time) (bot.ModerationStats, error) {
	cases, err := s.cfg.Store.Cases(ctx, "", maxDigestCases)
	if err != nil {
		return bot.ModerationStats{}, fmt.Errorf("moderation cases for the digest: %w", err)
	}
	st := bot.ModerationStats{ByRule: map[string]int{}}
	for _, c := range cases {
		if c.Time.Before(from) {
			break
		}
		if !c.Time.Before(to) {
			continue
		}
		rule := c.Rule
		if rule == "" {
			rule = "manual"
		}
		st.ByRule[rule]++
	}
	return st, nil
}
