/**
 * Table-driven tests of the planner for whole tables: created (with their foreign keys and
 * partitions, parents first), dropped (data loss, the down recreates them) and changes it cannot plan.
 */
import { type Case, col, runCases, table } from "./_plan_test_helpers.ts";

const CASES: Case[] = [
  {
    name: "new table with a foreign key to an existing one: plain DDL, FK after the table",
    desired: (i) => {
      i.catalog.tables["public.tb_post"] = table({
        pk_post: col("integer", { nullable: false, identity: "always", identityOptions: "START 1 INCREMENT 1" }),
        fk_user: col("integer", { nullable: false }, 2),
      }, {
        constraints: {
          tb_post_pkey: { type: "primary key", definition: "PRIMARY KEY (pk_post)" },
          tb_post_fk_user_fkey: {
            type: "foreign key",
            definition: "FOREIGN KEY (fk_user) REFERENCES tb_user(pk_user)",
          },
        },
        indexes: {
          idx_post_user: { definition: "CREATE INDEX idx_post_user ON public.tb_post USING btree (fk_user)" },
        },
      });
    },
    up: {
      main: [
        "CREATE TABLE public.tb_post (\n    pk_post integer GENERATED ALWAYS AS IDENTITY (START 1 INCREMENT 1),\n" +
        "    fk_user integer NOT NULL,\n    CONSTRAINT tb_post_pkey PRIMARY KEY (pk_post)\n)",
        "ALTER TABLE public.tb_post ADD CONSTRAINT tb_post_fk_user_fkey FOREIGN KEY (fk_user) REFERENCES tb_user(pk_user)",
        "CREATE INDEX idx_post_user ON public.tb_post USING btree (fk_user)",
      ],
    },
    down: {
      main: [
        "ALTER TABLE public.tb_post DROP CONSTRAINT tb_post_fk_user_fkey",
        "DROP TABLE public.tb_post",
      ],
    },
  },
  {
    name: "a partition of a new partitioned table comes after its parent",
    desired: (i) => {
      i.catalog.tables["public.ev_2026"] = table({ at: col("date") }, {
        partitionOf: { parent: "public.ev", bound: "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')" },
      });
      i.catalog.tables["public.ev"] = table({ at: col("date") }, {
        kind: "partitioned table",
        partitionKey: "RANGE (at)",
      });
    },
    up: {
      main: [
        "CREATE TABLE public.ev (\n    at date\n) PARTITION BY RANGE (at)",
        "CREATE TABLE public.ev_2026 PARTITION OF public.ev FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
      ],
    },
  },
  {
    name: "a dropped table is data loss; its down recreates it",
    current: (i) => (i.catalog.tables["public.tb_old"] = table({ a: col("text", { nullable: false }) })),
    desired: () => {},
    allow: ["data-loss"],
    up: { main: ["DROP TABLE public.tb_old"] },
    down: { main: ["CREATE TABLE public.tb_old (\n    a text NOT NULL\n)"] },
    hazards: ["data-loss public.tb_old (allowed)"],
    hints: [],
  },
  {
    name: "a table turned into a partitioned table cannot be planned",
    desired: (i) => {
      i.catalog.tables["public.tb_user"].kind = "partitioned table";
      i.catalog.tables["public.tb_user"].partitionKey = "HASH (pk_user)";
    },
    up: {},
    unsupported: 1,
  },
];

runCases(CASES);
