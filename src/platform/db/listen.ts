import pg from 'pg';

/**
 * LISTEN on a channel: `onNotification` gets each payload; `onReconnect` runs after every
 * (re)subscription, so that a caller can look for what it may have missed meanwhile. The job queue
 * uses it to start a job the moment its transaction commits instead of at the next poll.
 */
export type Listen = (channel: string, onNotification: (payload: string) => void, onReconnect: () => void) => Promise<{ close(): Promise<void> }>;

/**
 * LISTEN on a PostgreSQL server: a connection of its own (a LISTEN holds its session; the shared
 * pool's connections come and go), with TCP keepalive, reconnected with backoff (1 s … 30 s) when it
 * drops. A notification is only a hint — the queue still polls, slowly — so a connection that died
 * silently until keepalive notices costs latency, never a job.
 */
export function postgresListen(url: string): Listen {
  return async (channel, onNotification, onReconnect) => {
    let closed = false;
    let client: pg.Client | null = null;
    let timer: NodeJS.Timeout | null = null;
    let attempt = 0;

    const drop = (c: pg.Client) => {
      if (client !== c) return;
      client = null;
      c.removeAllListeners();
      c.on('error', () => {});
      c.end().catch(() => {});
      reconnectLater();
    };
    const reconnectLater = () => {
      if (closed || timer) return;
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(attempt++, 5));
      timer = setTimeout(() => {
        timer = null;
        connect().catch(() => reconnectLater());
      }, delay);
      timer.unref();
    };
    const connect = async () => {
      const c = new pg.Client({ connectionString: url, keepAlive: true, application_name: 'ecrin-listen' });
      c.on('notification', (m) => {
        if (m.channel === channel) onNotification(m.payload ?? '');
      });
      c.on('error', () => drop(c));
      c.on('end', () => drop(c));
      try {
        await c.connect();
        await c.query(`LISTEN ${c.escapeIdentifier(channel)}`);
      } catch (err) {
        c.removeAllListeners();
        c.on('error', () => {});
        await c.end().catch(() => {});
        throw err;
      }
      if (closed) {
        await c.end().catch(() => {});
        return;
      }
      client = c;
      attempt = 0;
      onReconnect();
    };

    // The first connection must work: if it does not, the caller knows and keeps to polling.
    await connect();
    return {
      async close() {
        closed = true;
        if (timer) clearTimeout(timer);
        const c = client;
        client = null;
        if (c) {
          c.removeAllListeners();
          c.on('error', () => {});
          await c.end().catch(() => {});
        }
      },
    };
  };
}
