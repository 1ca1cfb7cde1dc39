/** Where a subscription keeps its cursor between runs. */
export interface Checkpoint {
  load(): Promise<string | undefined>;
  save(cursor: string): Promise<void>;
}

/** A checkpoint in memory (for tests, or a consumer whose handler stores its cursor itself). */
export function memoryCheckpoint(
  initial?: string,
): Checkpoint & { readonly current: () => string | undefined } {
  let cursor = initial;
  return {
    load: async () => cursor,
    save: async (next) => {
      cursor = next;
    },
    current: () => cursor,
  };
}
