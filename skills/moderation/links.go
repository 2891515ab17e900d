package moderation

import (
	"slices"
	"strings"

	"github.com/commpilot/commpilot/bot/text"
)

// linkHosts returns the host of every link in the message, as typed and
// as normalised (percent-encoding decoded, confusables mapped), once each.
func linkHosts(n *Normalized) []string {
	var out []string
	for _, s := range []string{n.Original, n.Text} {
		for _, l := range text.Links(s) {
			if l.Host != "" && !l.Email && !slices.Contains(out, l.Host) {
				out = append(out, l.Host)
			}
		}
	}
	return out
}

func parseLinks(arg string) (trigger, error) {
	t := linksTrigger{}
	if arg == "" {
		return t, nil
	}
	mode, list, ok := strings.Cut(arg, ":")
	if !ok || (mode != "allow" && mode != "block") {
		return nil, refuse("mod.err.want_domains", arg)
	}
	for _, d := range strings.Split(list, ",") {
		d = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(d)), "www.")
		if d == "" {
			continue
		}
		if !strings.Contains(d, ".") || strings.ContainsAny(d, " /:") {
			return nil, refuse("mod.err.want_domains", arg)
		}
		t.domains = append(t.domains, d)
	}
	if len(t.domains) == 0 {
		return nil, refuse("mod.err.want_domains", arg)
	}
	t.allow = mode == "allow"
	return t, nil
}

// linksTrigger matches any link, a link outside the allowed domains, or a
// link to a blocked domain.
type linksTrigger struct {
	allow   bool
	domains []string
}

func (t linksTrigger) match(in *Input, _ []string) (string, bool) {
	for _, h := range linkHosts(&in.Norm) {
		listed := false
		for _, d := range t.domains {
			listed = listed || text.HostMatches(h, d)
		}
		if len(t.domains) == 0 || listed != t.allow {
			return "links: " + h, true
		}
	}
	return "", false
}

// invitesTrigger matches a Discord invite link.
type invitesTrigger struct{}

func (invitesTrigger) match(in *Input, _ []string) (string, bool) {
	for _, s := range []string{in.Norm.Original, in.Norm.Text} {
		if inv := text.Invites(s); len(inv) > 0 {
			return "invites: " + s[inv[0].Start:inv[0].End], true
		}
	}
	return "", false
}
