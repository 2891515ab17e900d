package text

import (
	"strings"
	"unicode/utf8"
)

// Link is one link in a text: s[Start:End] == Text.
type Link struct {
	// Text is the link as written, without the punctuation around it.
	Text string
	// Host is the link's host in lower case, without port, user info or
	// final dot: "acme.example" for "HTTPS://Acme.Example:443/help".
	Host       string
	Start, End int
	// Invite is set when the link is a Discord invite (see Invites).
	Invite bool
	// Email is set for an e-mail address (user@acme.io, Host acme.io).
	Email bool
}

// Links returns the links of s in order: anything with a scheme
// ("https://…", "ftp://…"), anything starting "www.", and bare host names
// with a path or not ("acme.io/help", "bit.ly") whose last label is a
// common top-level domain. E-mail addresses are links too, marked Email.
func Links(s string) []Link {
	var out []Link
	for i := 0; i < len(s); {
		r, size := DecodeRune(s, i)
		if IsSpace(r) {
			i += size
			continue
		}
		j := i + size
		for j < len(s) {
			r, size := DecodeRune(s, j)
			if IsSpace(r) {
				break
			}
			j += size
		}
		if l, ok := ChunkLink(s[i:j]); ok {
			l.Start += i
			l.End += i
			out = append(out, l)
		}
		i = j
	}
	return out
}

// ChunkLink reports whether the word c (text without white space) is a
// link, as Links decides, and which part of it. It is Links for scanners
// that already split text at white space.
func ChunkLink(c string) (Link, bool) {
	if len(c) < 4 {
		return Link{}, false
	}
	start := 0
	for start < len(c) && strings.IndexByte(`(<["'*_`, c[start]) >= 0 {
		start++
	}
	if start < len(c) && c[start] >= utf8.RuneSelf {
		for _, p := range []string{"«", "“", "‘"} {
			if strings.HasPrefix(c[start:], p) {
				start += len(p)
				break
			}
		}
	}
	body := c[start:]
	isLink := false
	if k := strings.Index(body, "://"); k >= 0 {
		s := k
		for s > 0 {
			r, size := utf8.DecodeLastRuneInString(body[:s])
			if !IsWordRune(r) && r != '+' && r != '-' && r != '.' {
				break
			}
			s -= size
		}
		if s < k {
			start += s
			body = body[s:]
			isLink = true
		}
	}
	if !isLink && hasPrefixFold(body, "www.") && len(body) > 4 {
		isLink = true
	}
	if !isLink {
		host := bareHost(body)
		dot := strings.LastIndexByte(host, '.')
		if dot <= 0 {
			return Link{}, false
		}
		if r, _ := utf8.DecodeLastRuneInString(host[:dot]); !IsWordRune(r) || !commonTLD(host[dot+1:]) {
			return Link{}, false
		}
	}
	end := start + len(trimLinkEnd(body))
	if end <= start {
		return Link{}, false
	}
	t := c[start:end]
	l := Link{Text: t, Host: Host(t), Start: start, End: end}
	l.Email = !isLink && strings.ContainsRune(bareHost(t), '@')
	_, l.Invite = matchInvite(t, 0)
	return l, true
}

// bareHost is the host part of a link without a scheme: up to the first
// / ? or #, without trailing punctuation.
func bareHost(s string) string {
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, `.,;:!?)]>"'*_`)
}

// trimLinkEnd drops the punctuation that ends a sentence or closes a
// bracket after a link; a ")" stays when the link opened one
// (https://en.wikipedia.org/wiki/Go_(language)).
func trimLinkEnd(s string) string {
	for len(s) > 0 {
		r, size := utf8.DecodeLastRuneInString(s)
		switch r {
		case '.', ',', ';', ':', '!', '?', ']', '>', '"', '\'', '*', '_', '»', '”', '’', '…':
		case ')':
			if strings.Count(s, "(") >= strings.Count(s, ")") {
				return s
			}
		default:
			return s
		}
		s = s[:len(s)-size]
	}
	return s
}

// commonTLD reports the top-level domains a bare host name must end with
// to count as a link; "e.g" or "file.txt" do not.
func commonTLD(tld string) bool {
	switch strings.ToLower(tld) {
	case "com", "net", "org", "io", "ly", "gg", "ru", "top", "biz", "xyz", "info", "fr", "nl", "be",
		"de", "co", "me", "uk", "tk", "ml", "cn", "link", "click", "shop", "site", "online", "app", "example":
		return true
	}
	return false
}

// Host returns the host of a link in lower case, without scheme, user
// info, port or final dot; it is "" when the link has none.
func Host(link string) string {
	h := link
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	if i := strings.IndexAny(h, "/?#"); i >= 0 {
		h = h[:i]
	}
	if i := strings.LastIndexByte(h, '@'); i >= 0 {
		h = h[i+1:]
	}
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i > 0 {
			return strings.ToLower(h[:i+1])
		}
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	return strings.ToLower(strings.TrimRight(h, "."))
}

// HostMatches reports whether host is domain or a subdomain of it, the
// test an allow or block list makes: "cdn.acme.io" matches "acme.io",
// "notacme.io" does not.
func HostMatches(host, domain string) bool {
	host, domain = strings.ToLower(host), strings.ToLower(strings.TrimPrefix(domain, "."))
	return domain != "" && (host == domain || strings.HasSuffix(host, "."+domain))
}

func hasPrefixFold(s, p string) bool { return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) }
