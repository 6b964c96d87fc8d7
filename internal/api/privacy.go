package api

// PrivacyDeps are what the privacy routes need; nil fields leave routes unregistered.
type PrivacyDeps struct{}

func (s *Server) privacyRoutes() {}
