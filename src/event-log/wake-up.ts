/** Wakes readers after appends commit. */
export interface WakeUp {
  /** Call after a commit; bursts are coalesced into few NOTIFYs. Never throws. */
  signal(): void;
  /** In-process listeners (the tailer of this process); returns an unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/**
 * Coalescing wake-up: while one NOTIFY is in flight, further signals collapse into one more after it.
 * The NOTIFY runs outside any append transaction: inside a writing transaction it would take a
 * cluster-wide lock held through the commit's fsync and serialize all appends. The payload is empty:
 * readers re-read the log, they never trust a notification's content (and also poll).
 *
 * Under load the NOTIFYs are also spaced at least `minIntervalMs` apart (one per append burst cost
 * PostgreSQL about a third of an append's CPU): other processes' readers learn of an append at most that
 * much later; this process's listeners are told at once. A signal is always followed by a NOTIFY sent
 * after it.
 */
export function createWakeUp(
  notify?: () => Promise<void>,
  onError?: (error: Error) => void,
  minIntervalMs = 5,
): WakeUp {
  const listeners = new Set<() => void>();
  let inFlight = false;
  let pending = false;
  let lastSentAt = Number.NEGATIVE_INFINITY;

  const send = async () => {
    inFlight = true;
    try {
      do {
        const wait = lastSentAt + minIntervalMs - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
        pending = false;
        lastSentAt = performance.now();
        await notify?.();
      } while (pending);
    } catch (error) {
      onError?.(error as Error);
    } finally {
      inFlight = false;
    }
  };

  return {
    signal() {
      for (const listener of listeners) listener();
      if (!notify) return;
      if (inFlight) pending = true;
      else void send();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
