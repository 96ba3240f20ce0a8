import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { loadOrder } from "./order.ts";

const chain = [{ child: "posts", parent: "users" }, { child: "comments", parent: "posts" }];

Deno.test("loadOrder puts parents first whatever the listing order", () => {
  for (const list of [["comments", "posts", "users"], ["users", "comments", "posts"], ["posts", "users", "comments"]]) {
    assertEquals(loadOrder(list, chain), [["users"], ["posts"], ["comments"]]);
  }
});

Deno.test("loadOrder ignores self-references and dependencies outside the selection", () => {
  assertEquals(
    loadOrder(["staff", "teams"], [{ child: "staff", parent: "staff" }, { child: "staff", parent: "teams" }, {
      child: "teams",
      parent: "orgs",
    }]),
    [["teams"], ["staff"]],
  );
});

Deno.test("loadOrder groups a cycle and orders it after its parents", () => {
  assertEquals(
    loadOrder(["a", "b", "root", "leaf"], [
      { child: "a", parent: "b" },
      { child: "b", parent: "a" },
      { child: "a", parent: "root" },
      { child: "leaf", parent: "b" },
    ]),
    [["root"], ["a", "b"], ["leaf"]],
  );
});
