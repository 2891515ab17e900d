package slacktest

// Channels the bot is not in, or that do not exist: conversations.info says
// so. Any other channel exists and has the bot as a member.

// LeaveChannel makes the bot not a member of channel (as when nobody invited
// it there).
func (s *Server) LeaveChannel(channel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.outside == nil {
		s.outside = map[string]bool{}
	}
	s.outside[channel] = true
}

// ArchiveChannel makes channel unknown to the Web API (channel_not_found),
// as a deleted channel is.
func (s *Server) ArchiveChannel(channel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone == nil {
		s.gone = map[string]bool{}
	}
	s.gone[channel] = true
}

// conversationInfo answers conversations.info.
func (s *Server) conversationInfo(channel string) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	if channel == "" || s.gone[channel] {
		return apiError("channel_not_found")
	}
	return apiResult{"ok": true, "channel": map[string]any{
		"id": channel, "is_channel": channel[0] == 'C', "is_private": channel[0] == 'G',
		"is_im": channel[0] == 'D', "is_member": !s.outside[channel],
	}}
}
