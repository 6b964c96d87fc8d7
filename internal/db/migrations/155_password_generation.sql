-- A person's password generation: raised each time the password is set
-- (by a link, by the person, or when they are disabled). An invitation or
-- reset link carries the generation it was made in and works only while the
-- person is still in it, so a link dies once the password changed by any
-- means, and every link of a person dies when one of them is used.
ALTER TABLE persons ADD COLUMN password_gen bigint NOT NULL DEFAULT 0;
ALTER TABLE person_links ADD COLUMN password_gen bigint NOT NULL DEFAULT 0;
