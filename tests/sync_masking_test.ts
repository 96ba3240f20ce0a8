/**
 * Production sync on real databases, what it masks and refuses: masking that is deterministic
 * and keyed, the same on worker threads, mismatches and PII-looking columns reported before
 * any data moves. Row movement: sync_test.ts; the shared fixture: sync_fixture.ts.
 */
import { deepStrictEqual as assertEquals, notDeepStrictEqual, ok, rejects } from "node:assert/strict";
import { syncDatabases } from "../src/sync/sync.ts";
import { parseProfile } from "../src/sync/profile.ts";
import { ConfigError, SchemaError } from "../src/errors.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { count, KEY, options, SCHEMA, seededPair } from "./sync_fixture.ts";

Deno.test({
  name: "sync masking is deterministic for one key and differs for another",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await seededPair();
    const { src, dst } = pair;
    const emails = async () =>
      (await dst.db.query<{ email: string }>(`SELECT email FROM tb_user ORDER BY pk_user`)).map((r) => r.email);
    await syncDatabases(src.db, dst.db, options());
    const first = await emails();
    await syncDatabases(src.db, dst.db, options());
    assertEquals(await emails(), first);
    await syncDatabases(src.db, dst.db, options({ key: new TextEncoder().encode("another-key-0123456789") }));
    const other = await emails();
    notDeepStrictEqual(other, first);
    assertEquals(new Set(other).size, other.length);
    ok(other.every((e, i) => e !== first[i]));
  },
});

Deno.test({
  name: "sync reports every table and column mismatch before any data moves",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await seededPair(
      SCHEMA + `
      DROP TABLE tb_employee;
      ALTER TABLE tb_user DROP COLUMN phone;
      ALTER TABLE tb_post ALTER COLUMN title TYPE varchar(50);
      ALTER TABLE tb_comment ADD COLUMN score int NOT NULL;
      INSERT INTO tb_user (email) VALUES ('keep@x.test');`,
    );
    const { src, dst } = pair;
    const err = await syncDatabases(src.db, dst.db, options()).catch((e) => e);
    ok(err instanceof SchemaError, String(err));
    assertEquals(err.exitCode, 4);
    const mismatches = (err.details as { mismatches: string[] }).mismatches;
    assertEquals(mismatches.sort(), [
      "public.tb_comment.score: NOT NULL without a default in the target, absent from the source",
      "public.tb_employee: table missing in the target",
      "public.tb_post.title: text in the source, character varying(50) in the target",
      "public.tb_user.phone: column missing in the target",
    ]);
    assertEquals(await count(dst.db, "tb_user"), 1);
  },
});

Deno.test({
  name: "sync refuses PII-looking columns without a rule, and rules that cannot apply",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await seededPair();
    const { src, dst } = pair;
    const unmasked = await syncDatabases(src.db, dst.db, { rules: new Map(), key: KEY }).catch((e) => e);
    ok(unmasked instanceof ConfigError);
    assertEquals(unmasked.code, "SYNC_UNMASKED_PII");
    ok(unmasked.message.includes("public.tb_user.email (text) looks like email"), unmasked.message);
    assertEquals(await count(dst.db, "tb_user"), 0);

    const bad = parseProfile(
      `rules:\n  tb_user.email: redact\n  tb_user.created_at: email\n  tb_user.nope: hash\n`,
      "p.yaml",
    );
    const err = await syncDatabases(src.db, dst.db, { rules: bad.rules, key: KEY, allowUnmasked: true }).catch((e) =>
      e
    );
    ok(err instanceof ConfigError);
    assertEquals(err.problems.length, 3, err.message);

    await rejects(syncDatabases(src.db, dst.db, options({ key: undefined })), /anonymization key/);

    // With --allow-unmasked the copy happens and says what it left unmasked.
    const report = await syncDatabases(src.db, dst.db, { rules: new Map(), allowUnmasked: true });
    ok(report.warnings.some((w) => w.includes("public.tb_user.email looks like email")));
    assertEquals(await count(dst.db, "tb_user"), 61);
    // A table referenced from outside the selection cannot be cleared without a cascade: refused.
    const partial = await syncDatabases(src.db, dst.db, { rules: new Map(), allowUnmasked: true, tables: ["tb_user"] })
      .catch((e) => e);
    ok(partial instanceof SchemaError);
    ok(partial.message.includes("public.tb_post references public.tb_user"), partial.message);
    assertEquals(await count(dst.db, "tb_post"), 200);
  },
});

Deno.test({
  name: "sync masks the same on worker threads as on the main thread",
  ignore: NO_SERVER,
  async fn() {
    await using src = await freshServerDb("cfsync");
    await using dst = await freshServerDb("cfsync");
    await src.db.exec(
      SCHEMA + `
      INSERT INTO tb_user (email, first_name, last_name, phone)
        SELECT 'w' || i || '@corp.test', 'F' || i, 'L' || i, '555' || i FROM generate_series(1, 30000) i;`,
    );
    await dst.db.exec(SCHEMA);
    const snapshot = async () =>
      (await dst.db.query<{ r: string }>(`SELECT string_agg(t::text, '|' ORDER BY pk_user) AS r FROM tb_user t`))[0].r;
    const main = await syncDatabases(src.db, dst.db, options({ workers: 0 }));
    const onMain = await snapshot();
    const onWorkers = await syncDatabases(src.db, dst.db, options({ workers: 2 }));
    assertEquals(await snapshot(), onMain);
    assertEquals(onWorkers.total_rows, main.total_rows);
    ok(!onMain.includes("w1@corp.test"));
  },
});
