package main

import "context"

// startSender starts the sender role: sending.workers workers read the
// queues of running campaigns, render, sign and deliver. At shutdown they
// stop reading and finish their batch within the drain deadline; what is
// left stays queued (pending entries are claimed by another sender).
func startSender(ctx context.Context, a *app) error {
	s, err := a.campaigns()
	if err != nil {
		return err
	}
	x := s.NewSender()
	done := make(chan struct{})
	a.drains = append(a.drains, func(dctx context.Context) {
		x.Stop()
		select {
		case <-done:
		case <-dctx.Done():
		}
	})
	a.g.Go(func() error {
		defer close(done)
		return x.Run(ctx)
	})
	return nil
}
