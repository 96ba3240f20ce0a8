/**
 * The assertions themselves: differences a JSON rendering would hide must fail.
 *
 * @module
 */
import { assertEquals, assertNotEquals, assertThrows } from "./assert.ts";

Deno.test("assertEquals sees Map, Set, undefined, NaN and bigint differences", () => {
  const cases: [unknown, unknown][] = [
    [new Map([["a", 1]]), new Map([["a", 2]])],
    [new Set([1]), new Set([2])],
    [{ a: undefined }, {}],
    [[undefined], [null]],
    [NaN, null],
    [1n, "1n"],
    [{ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] }],
  ];
  for (const [a, b] of cases) {
    assertThrows(() => assertEquals(a, b), Error, "values differ");
    assertNotEquals(a, b);
  }
});

Deno.test("assertEquals accepts equal values in any key order", () => {
  assertEquals({ a: 1, b: [new Map([["k", new Set([1, 2])]])] }, { b: [new Map([["k", new Set([2, 1])]])], a: 1 });
  assertEquals(NaN, NaN);
  assertThrows(() => assertNotEquals({ x: 1 }, { x: 1 }), Error, "values are equal");
});
