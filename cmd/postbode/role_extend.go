package main

// extendAPIDeps fills the API dependencies of the later domains; each has
// its own extend_<domain>.go.
func extendAPIDeps(a *app, d *apiDeps) {
	extendCampaigns(a, d)
	extendBounces(a, d)
	extendPrivacy(a, d)
	extendRecipients(a, d)
	extendPeople(a, d)
}
