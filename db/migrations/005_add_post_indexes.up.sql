CREATE INDEX idx_tb_post_fk_user ON tb_post (fk_user);
CREATE INDEX idx_tb_post_slug ON tb_post (slug);
CREATE INDEX idx_tb_comment_fk_post ON tb_comment (fk_post);
