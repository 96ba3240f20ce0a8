-- Demo data, loaded by `confiture build --apply` (skip with --no-seeds).
INSERT INTO tb_user (identifier, name, email, bio) VALUES
    ('alice', 'Alice Martin', 'alice@example.com', 'Writes about PostgreSQL.'),
    ('bob', 'Bob Durand', 'bob@example.com', NULL);

INSERT INTO tb_post (identifier, fk_user, title, slug, body)
SELECT 'alice-hello', pk_user, 'Hello', 'hello', 'First post.' FROM tb_user WHERE identifier = 'alice';

INSERT INTO tb_comment (identifier, fk_user, fk_post, content)
SELECT 'bob-on-hello', u.pk_user, p.pk_post, 'Welcome!'
  FROM tb_user u, tb_post p WHERE u.identifier = 'bob' AND p.identifier = 'alice-hello';
