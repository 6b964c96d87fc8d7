-- The send path: deliveries still to be sent (queued or deferred) are found
-- quickly when a campaign's queue looks drained (finish check, requeue of
-- work lost from Redis), however many finished rows the campaign has.
CREATE INDEX deliveries_pending_idx ON deliveries (campaign_id, contact_id)
    WHERE status IN ('queued', 'deferred');
