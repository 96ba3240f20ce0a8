/**
 * Table-driven tests of the planner for constraints, indexes, triggers, row-level security and
 * policies of an existing table: the online ways of adding them and the plain ways of dropping them.
 */
import { type Case, col, runCases, table } from "./_plan_test_helpers.ts";

const CASES: Case[] = [
  {
    name: "FK and CHECK on an existing table: NOT VALID, then VALIDATE in a later migration",
    current: (i) => (i.catalog.tables["public.tb_post"] = table({ fk_user: col("integer") })),
    desired: (i) => (i.catalog.tables["public.tb_post"] = table({ fk_user: col("integer") }, {
      constraints: {
        fk: { type: "foreign key", definition: "FOREIGN KEY (fk_user) REFERENCES tb_user(pk_user)" },
        ck: { type: "check", definition: "CHECK (fk_user > 0)" },
      },
    })),
    up: {
      main: [
        "ALTER TABLE public.tb_post ADD CONSTRAINT ck CHECK (fk_user > 0) NOT VALID",
        "ALTER TABLE public.tb_post ADD CONSTRAINT fk FOREIGN KEY (fk_user) REFERENCES tb_user(pk_user) NOT VALID",
      ],
      validate: [
        "ALTER TABLE public.tb_post VALIDATE CONSTRAINT ck",
        "ALTER TABLE public.tb_post VALIDATE CONSTRAINT fk",
      ],
    },
    down: {
      validate: [
        "ALTER TABLE public.tb_post DROP CONSTRAINT fk",
        "ALTER TABLE public.tb_post ADD CONSTRAINT fk FOREIGN KEY (fk_user) REFERENCES tb_user(pk_user) NOT VALID",
        "ALTER TABLE public.tb_post DROP CONSTRAINT ck",
        "ALTER TABLE public.tb_post ADD CONSTRAINT ck CHECK (fk_user > 0) NOT VALID",
      ],
    },
  },
  {
    name: "UNIQUE on an existing table: a concurrent unique index, then USING INDEX",
    desired: (
      i,
    ) => (i.catalog.tables["public.tb_user"].constraints.tb_user_name_key = {
      type: "unique",
      definition: "UNIQUE (name)",
    }),
    up: {
      concurrently: [
        "CREATE UNIQUE INDEX CONCURRENTLY tb_user_name_key ON public.tb_user (name)",
        "ALTER TABLE public.tb_user ADD CONSTRAINT tb_user_name_key UNIQUE USING INDEX tb_user_name_key",
      ],
    },
    down: { concurrently: ["ALTER TABLE public.tb_user DROP CONSTRAINT tb_user_name_key"] },
  },
  {
    name: "PRIMARY KEY on an existing table: index concurrently, key added in the validate migration",
    current: (i) => (i.catalog.tables["public.tb_user"].constraints = {}),
    desired: () => {},
    up: {
      concurrently: ["CREATE UNIQUE INDEX CONCURRENTLY tb_user_pkey ON public.tb_user (pk_user)"],
      validate: ["ALTER TABLE public.tb_user ADD CONSTRAINT tb_user_pkey PRIMARY KEY USING INDEX tb_user_pkey"],
    },
  },
  {
    name: "EXCLUDE on an existing table is a lock hazard",
    desired: (i) => (i.catalog.tables["public.tb_user"].constraints.ex = {
      type: "exclusion",
      definition: "EXCLUDE USING btree (name WITH =)",
    }),
    up: { main: ["ALTER TABLE public.tb_user ADD CONSTRAINT ex EXCLUDE USING btree (name WITH =)"] },
    hazards: ["lock public.tb_user.ex (blocked)"],
  },
  {
    name: "dropped constraint and changed CHECK",
    current: (
      i,
    ) => (i.catalog.tables["public.tb_user"].constraints.ck = {
      type: "check",
      definition: "CHECK (length(name) > 0)",
    }),
    desired: (
      i,
    ) => (i.catalog.tables["public.tb_user"].constraints.ck = {
      type: "check",
      definition: "CHECK (length(name) > 1)",
    }),
    up: {
      main: [
        "ALTER TABLE public.tb_user DROP CONSTRAINT ck",
        "ALTER TABLE public.tb_user ADD CONSTRAINT ck CHECK (length(name) > 1) NOT VALID",
      ],
      validate: ["ALTER TABLE public.tb_user VALIDATE CONSTRAINT ck"],
    },
  },
  {
    name: "index on an existing table: CONCURRENTLY in a migration of its own; a dropped index is plain",
    current: (i) => (i.catalog.tables["public.tb_user"].indexes.old = {
      definition: "CREATE INDEX old ON public.tb_user USING btree (name)",
    }),
    desired: (i) => (i.catalog.tables["public.tb_user"].indexes.idx_name = {
      definition: "CREATE INDEX idx_name ON public.tb_user USING btree (lower(name))",
    }),
    up: {
      main: ["DROP INDEX public.old"],
      concurrently: ["CREATE INDEX CONCURRENTLY idx_name ON public.tb_user USING btree (lower(name))"],
    },
    down: {
      main: ["CREATE INDEX old ON public.tb_user USING btree (name)"],
      concurrently: ["DROP INDEX public.idx_name"],
    },
  },
  {
    name: "triggers, row-level security, policies and comments",
    desired: (i) => {
      const t = i.catalog.tables["public.tb_user"];
      t.triggers.trg = {
        definition: "CREATE TRIGGER trg BEFORE UPDATE ON public.tb_user FOR EACH ROW EXECUTE FUNCTION f()",
        enabled: "origin",
      };
      t.rowSecurity = true;
      t.policies.own = {
        command: "select",
        permissive: true,
        roles: ["public"],
        using: "(name = CURRENT_USER)",
        check: null,
      };
      t.comment = "Users";
      t.columns.name.comment = "Full name";
    },
    up: {
      main: [
        "CREATE TRIGGER trg BEFORE UPDATE ON public.tb_user FOR EACH ROW EXECUTE FUNCTION f()",
        "ALTER TABLE public.tb_user ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY own ON public.tb_user AS PERMISSIVE FOR SELECT TO PUBLIC USING ((name = CURRENT_USER))",
        "COMMENT ON COLUMN public.tb_user.name IS 'Full name'",
        "COMMENT ON TABLE public.tb_user IS 'Users'",
      ],
    },
  },
  {
    name: "a foreign key to a UNIQUE added to an existing table waits for its index, then is validated later",
    current: (i) => (i.catalog.tables["public.tb_user"].columns.email = col("text", {}, 3)),
    desired: (i) => {
      const u = i.catalog.tables["public.tb_user"];
      u.columns.email = col("text", {}, 3);
      u.constraints.tb_user_email_key = { type: "unique", definition: "UNIQUE (email)" };
      i.catalog.tables["public.tb_invite"] = table({ email: col("text") }, {
        constraints: {
          tb_invite_email_fkey: { type: "foreign key", definition: "FOREIGN KEY (email) REFERENCES tb_user(email)" },
        },
      });
    },
    up: {
      main: ["CREATE TABLE public.tb_invite (\n    email text\n)"],
      concurrently: [
        "CREATE UNIQUE INDEX CONCURRENTLY tb_user_email_key ON public.tb_user (email)",
        "ALTER TABLE public.tb_user ADD CONSTRAINT tb_user_email_key UNIQUE USING INDEX tb_user_email_key",
      ],
      validate: [
        "ALTER TABLE public.tb_invite ADD CONSTRAINT tb_invite_email_fkey FOREIGN KEY (email) REFERENCES tb_user(email) NOT VALID",
      ],
      validate_foreign_keys: ["ALTER TABLE public.tb_invite VALIDATE CONSTRAINT tb_invite_email_fkey"],
    },
  },
];

runCases(CASES);
