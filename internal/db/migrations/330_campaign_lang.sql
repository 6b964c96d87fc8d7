-- The language a campaign is written in (en or nl; '' the installation's
-- default, public.default_lang): the footer, the update buttons and the
-- pages its links open follow it.
ALTER TABLE campaigns ADD COLUMN lang text NOT NULL DEFAULT '' CHECK (lang IN ('', 'en', 'nl'));
