-- Each person picks the language of the console: English or Dutch.
ALTER TABLE persons ADD COLUMN lang text NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'nl'));
