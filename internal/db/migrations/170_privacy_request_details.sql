-- details: what the data subject wrote with a request, such as what should
-- be corrected (rectification, from the privacy link in a mail). It is the
-- subject's own text, so erasure nulls it with the contact link.
ALTER TABLE privacy_requests ADD COLUMN details text;
