-- Clicks per link of a campaign are read from the recipients' click actions.
CREATE INDEX recipient_actions_campaign_click_idx ON recipient_actions (campaign_id, detail)
    WHERE action = 'click' AND campaign_id IS NOT NULL;
