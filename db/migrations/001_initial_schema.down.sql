DROP VIEW v_user;
DROP TABLE tb_post;
DROP TABLE tb_user;
