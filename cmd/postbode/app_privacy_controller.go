package main

import (
	"github.com/postbode/postbode/internal/config"
	"github.com/postbode/postbode/privacy"
)

// controllerOf turns the [privacy] controller keys into the privacy
// service's Controller (the organisation defaults to public.org_name there).
func controllerOf(c config.ControllerConfig) privacy.Controller {
	out := privacy.Controller{Organisation: c.Organisation, StatementURL: c.StatementURL,
		Authority: c.Authority, TimeZone: c.Location().String(), SecurityMeasures: c.SecurityMeasures}
	for _, p := range c.Processors {
		out.Processors = append(out.Processors, privacy.Processor{Name: p.Name, Purpose: p.Purpose, Location: p.Location})
	}
	return out
}
