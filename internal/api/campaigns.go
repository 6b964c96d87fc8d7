package api

// CampaignsDeps are what the campaigns routes need; nil fields leave routes unregistered.
type CampaignsDeps struct{}

func (s *Server) campaignRoutes() {}
