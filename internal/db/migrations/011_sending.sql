-- The send path.
--
-- Deliveries still to be sent (queued or deferred) are found quickly when a
-- campaign's queue looks drained (finish check, requeue of work lost from
-- Redis), however many finished rows the campaign has.
CREATE INDEX deliveries_pending_idx ON deliveries (campaign_id, contact_id)
    WHERE status IN ('queued', 'deferred');

-- Recipient expansion inserts a delivery row per recipient (1M for a large
-- campaign); the foreign key to campaigns ran a lookup per inserted row and
-- doubled the cost of expansion. Campaigns are never deleted (they hold the
-- statistics); were that ever added, it must delete the campaign's
-- deliveries in the same transaction.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_campaign_id_fkey;
