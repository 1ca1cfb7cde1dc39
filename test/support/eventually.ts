/**
 * Retries `read` until `accept` holds, for at most `timeoutMs`. The log's read horizon is cluster-wide: a
 * transaction open anywhere on the server (another test file creating its database, say) briefly keeps
 * just-committed events out of reach, so a test that reads right after appending must allow for it.
 * Returns the last value read; the caller asserts on it.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
