import pg from "pg";
import { type ConnectionTarget, resolveTarget } from "../db/connection-string.js";

export interface Listener {
  stop(): Promise<void>;
}

/**
 * LISTENs on `channels` over a dedicated connection. When the connection drops (a restart, a
 * pg_terminate_backend), it reconnects with back-off, LISTENs again and calls `onReconnect` so that the
 * readers re-read everything they may have missed a wake-up for.
 */
export function createListener(
  url: ConnectionTarget,
  channels: readonly string[],
  handlers: {
    onNotify: (channel: string) => void;
    onReconnect: () => void;
    onError?: (error: Error) => void;
  },
): Listener {
  let stopped = false;
  let client: pg.Client | undefined;
  let delay = 100;
  let timer: NodeJS.Timeout | undefined;

  const connect = async () => {
    if (stopped) return;
    let next: pg.Client;
    try {
      next = new pg.Client({
        connectionString: await resolveTarget(url),
        application_name: "stackledger-feed-listener",
      });
    } catch (error) {
      handlers.onError?.(error as Error);
      schedule();
      return;
    }
    next.on("notification", (message) => handlers.onNotify(message.channel));
    const lost = () => {
      if (client !== next || stopped) return;
      client = undefined;
      schedule();
    };
    next.on("error", (error) => {
      handlers.onError?.(error);
      lost();
    });
    next.on("end", lost);
    try {
      await next.connect();
      for (const channel of channels) await next.query(`listen ${pg.escapeIdentifier(channel)}`);
      client = next;
      delay = 100;
      handlers.onReconnect();
    } catch (error) {
      handlers.onError?.(error as Error);
      await next.end().catch(() => {});
      schedule();
    }
  };

  const schedule = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
    delay = Math.min(delay * 2, 5000);
  };

  void connect();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
