-- The legal basis of processing for each list (GDPR art. 6(1)), stated in
-- the access report and the register of processing activities. Newsletters
-- rest on consent; a list for existing customers may rest on legitimate
-- interest (the soft opt-in), one for members on their contract.
ALTER TABLE lists ADD COLUMN legal_basis text NOT NULL DEFAULT 'consent'
    CHECK (legal_basis IN ('consent', 'contract', 'legal-obligation', 'legitimate-interest'));
