DROP INDEX idx_tb_comment_fk_post;
DROP INDEX idx_tb_post_slug;
DROP INDEX idx_tb_post_fk_user;
