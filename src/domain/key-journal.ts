/**
 * A bounded, append-only list of keys with absolute positions: readers remember a position and later ask
 * for every key appended since. The oldest half is dropped when it grows past its limit, so a reader that
 * fell too far behind learns it (`since` answers undefined) instead of the journal growing without bound.
 */
export interface KeyJournal {
  /** Absolute position of `keys[0]`. */
  base: number;
  keys: string[];
  readonly limit: number;
}

export function createKeyJournal(limit = 1 << 17): KeyJournal {
  return { base: 0, keys: [], limit };
}

/** The position after the last key (what a reader keeps to ask `since` later). */
export function journalEnd(journal: KeyJournal): number {
  return journal.base + journal.keys.length;
}

export function journalAppend(journal: KeyJournal, key: string): void {
  journal.keys.push(key);
  if (journal.keys.length > journal.limit) {
    const drop = journal.keys.length >> 1;
    journal.keys = journal.keys.slice(drop);
    journal.base += drop;
  }
}

/** The distinct keys appended at or after `position`; undefined when some of them were already dropped. */
export function journalSince(journal: KeyJournal, position: number): Set<string> | undefined {
  if (position < journal.base || position > journalEnd(journal)) return undefined;
  const out = new Set<string>();
  for (let i = position - journal.base; i < journal.keys.length; i++) out.add(journal.keys[i] as string);
  return out;
}

/** Where a reader of a journal stopped: what a projection's `changesSince` hands back as its mark. */
export interface JournalMark {
  readonly journal: KeyJournal;
  readonly position: number;
}

/**
 * The keys appended since a reader's mark (undefined when `since` is not a mark of this journal or is too
 * old: the reader must start over), and the reader's next mark. A mark holds the journal, not what owns it,
 * so an old mark keeps nothing large alive.
 */
export function readJournal(
  journal: KeyJournal,
  since: unknown,
): { keys: Set<string> | undefined; mark: JournalMark } {
  const previous = since as JournalMark | undefined;
  const keys = previous?.journal === journal ? journalSince(journal, previous.position) : undefined;
  return { keys, mark: { journal, position: journalEnd(journal) } };
}
