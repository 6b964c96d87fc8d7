package api

// RecipientsDeps are what the recipients routes need; nil fields leave routes unregistered.
type RecipientsDeps struct{}

func (s *Server) recipientRoutes() {}
