package moderation

import (
	"strconv"
	"testing"
	"time"
)

func TestCountersBoundedAndExpiring(t *testing.T) {
	c := newCounters(3, 4, time.Minute)
	at := t0
	for i := range 10 {
		got := c.observe("bob", Recent{At: at.Add(time.Duration(i) * time.Second), Hash: uint64(i)})
		if want := min(i, 4); len(got) != want {
			t.Fatalf("message %d: %d recent, want %d (at most 4 kept)", i, len(got), want)
		}
	}
	// Past the window, nothing is recalled.
	if got := c.observe("bob", Recent{At: at.Add(2 * time.Minute)}); len(got) != 0 {
		t.Errorf("after the window: %d recent", len(got))
	}
	// At most 3 members: the one seen longest ago goes.
	for i := range 5 {
		c.observe("m"+strconv.Itoa(i), Recent{At: at.Add(2*time.Minute + time.Duration(i)*time.Second)})
	}
	if n := c.len(); n != 3 {
		t.Errorf("%d members tracked, want 3", n)
	}
	if got := c.observe("m4", Recent{At: at.Add(3 * time.Minute)}); len(got) != 1 {
		t.Errorf("the latest member was forgotten: %d recent", len(got))
	}
}
