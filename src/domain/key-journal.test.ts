import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createKeyJournal, journalAppend, journalEnd, journalSince } from "./key-journal.js";

describe("key journal", () => {
  it("gives every key appended since a position, or undefined once some were dropped", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 16 }),
        fc.array(fc.constantFrom("a", "b", "c", "d"), { maxLength: 60 }),
        fc.nat(60),
        (limit, keys, from) => {
          const journal = createKeyJournal(limit);
          const position = Math.min(from, keys.length);
          for (const key of keys) journalAppend(journal, key);
          expect(journalEnd(journal)).toBe(keys.length);
          const since = journalSince(journal, position);
          if (since === undefined) expect(position).toBeLessThan(journal.base);
          else expect(since).toEqual(new Set(keys.slice(position)));
          expect(journal.keys.length).toBeLessThanOrEqual(limit);
        },
      ),
    );
  });

  it("a key appended again after a reader's position is seen by that reader", () => {
    const journal = createKeyJournal();
    journalAppend(journal, "d1");
    const mark = journalEnd(journal);
    journalAppend(journal, "d1");
    expect(journalSince(journal, mark)).toEqual(new Set(["d1"]));
    expect(journalSince(journal, journalEnd(journal) + 1)).toBeUndefined();
  });
});
