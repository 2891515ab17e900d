package moderation

import (
	"regexp"
	"strings"
)

// linkPattern finds links in normalised text: a scheme or www., or a bare
// domain with a known-looking top-level part followed by a path.
var linkPattern = regexp.MustCompile(`(?:https?://|www\.)[^\s<>]+|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|gg|co|me|ly|xyz|ru|info|biz|app|dev|fr|nl|be|de|uk|tk|ml|ga|cf|gq|link|site|online|top|click)(?:/[^\s<>]*)?\b`)

// linkHosts returns the host of every link in text (lower case, without
// "www.").
func linkHosts(text string) []string {
	var out []string
	for _, l := range linkPattern.FindAllString(text, 32) {
		l = strings.TrimPrefix(strings.TrimPrefix(l, "https://"), "http://")
		host, _, _ := strings.Cut(l, "/")
		host, _, _ = strings.Cut(host, "?")
		host, _, _ = strings.Cut(host, "#")
		if i := strings.LastIndexByte(host, '@'); i >= 0 { // user@host
			host = host[i+1:]
		}
		host, _, _ = strings.Cut(host, ":")
		host = strings.TrimPrefix(strings.TrimSuffix(host, "."), "www.")
		if strings.Contains(host, ".") {
			out = append(out, host)
		}
	}
	return out
}

// underDomain reports whether host is domain or one of its subdomains.
func underDomain(host, domain string) bool {
	return host == domain || strings.HasSuffix(host, "."+domain)
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
	for _, h := range linkHosts(in.Norm.Text) {
		listed := false
		for _, d := range t.domains {
			listed = listed || underDomain(h, d)
		}
		if len(t.domains) == 0 || listed != t.allow {
			return "links: " + h, true
		}
	}
	return "", false
}

// invitePattern finds Discord invites in normalised text in every spelling:
// discord.gg/x, discord.com/invite/x, discordapp.com/invite/x, discord.me/x,
// with spaces, dots or "(dot)" inserted (separated letters are already
// joined by the normaliser).
var invitePattern = regexp.MustCompile(`discord(?:app)?[\s.,()\[\]]*(?:dot[\s()\[\]]*)?(?:gg|com[\s.,/\\]*invite|me|io|li)[\s.,]*[/\\][\s]*[a-z0-9-]{2,}|discord\.gg\s+[a-z0-9]{5,}`)

// invitesTrigger matches a Discord invite link.
type invitesTrigger struct{}

func (invitesTrigger) match(in *Input, _ []string) (string, bool) {
	if m := invitePattern.FindString(in.Norm.Text); m != "" {
		return "invites: " + m, true
	}
	return "", false
}
