/** A list operation: iterate the items of every page, or the pages themselves (with their cursors). */
export interface Paged<T, P> extends AsyncIterable<T> {
  /** Every page as the server answered it (`asOf`, `cursor`, the items, `next`). */
  pages(): AsyncIterable<P>;
  /** Every item, in a list. */
  toArray(): Promise<T[]>;
}

/**
 * Builds a `Paged` from one request per page: `fetchPage(after)` answers a page, `itemsOf` its items and
 * `nextOf` the token of the following page (undefined at the end). Nothing is requested before iterating.
 */
export function paginate<T, P>(
  fetchPage: (after: string | undefined) => Promise<P>,
  itemsOf: (page: P) => readonly T[],
  nextOf: (page: P) => string | undefined,
  first?: string,
): Paged<T, P> {
  async function* pages(): AsyncGenerator<P> {
    let after = first;
    for (;;) {
      const page = await fetchPage(after);
      yield page;
      const next = nextOf(page);
      if (next === undefined || next === after) return;
      after = next;
    }
  }
  async function* items(): AsyncGenerator<T> {
    for await (const page of pages()) yield* itemsOf(page);
  }
  return {
    pages,
    [Symbol.asyncIterator]: () => items(),
    async toArray() {
      const all: T[] = [];
      for await (const item of items()) all.push(item);
      return all;
    },
  };
}
