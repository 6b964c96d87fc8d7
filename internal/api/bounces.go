package api

// BouncesDeps are what the bounces routes need; nil fields leave routes unregistered.
type BouncesDeps struct{}

func (s *Server) bounceRoutes() {}
