-- Recording an outcome changes a delivery's status, attempts, done_at and
-- last_error: none of them is indexed, so the new row version can stay on
-- its page without new index entries (a heap-only update) — when the page
-- has room for it. The partial index of pending deliveries depended on the
-- status, which made every recorded outcome write an entry into each index
-- of deliveries; the finish check, the only reader that needed it, reads
-- the campaign's rows once through the (campaign_id, contact_id) key
-- instead. Pages are filled to 50% by inserts (recipient expansion), so
-- the outcomes of a batch of consecutive recipients fit beside them.
DROP INDEX deliveries_pending_idx;
ALTER TABLE deliveries SET (fillfactor = 50);
