package slacktest

import (
	"net/http"
	"strings"
)

// SetScopes sets the bot token's scopes, which auth.test reports in its
// X-OAuth-Scopes header as Slack does. Until it is called the fake sends no
// such header.
func (s *Server) SetScopes(scopes ...string) {
	s.mu.Lock()
	s.scopes = append([]string{}, scopes...)
	s.mu.Unlock()
}

// scopeHeader sets X-OAuth-Scopes on auth.test's answer once SetScopes was
// called.
func (s *Server) scopeHeader(w http.ResponseWriter, method string) {
	s.mu.Lock()
	scopes := s.scopes
	s.mu.Unlock()
	if method == "auth.test" && scopes != nil {
		w.Header().Set("X-OAuth-Scopes", strings.Join(scopes, ","))
	}
}
