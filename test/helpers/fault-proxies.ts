/**
 * Fault injection at the network edge of a real worker process: a TCP proxy in front of PostgreSQL
 * that can cut every connection and refuse new ones (the database "down"), and a stand-in Slack
 * Incoming Webhook that records every post and can answer 503 for a while (Slack "down").
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Destroys every open connection and refuses (accepts, then resets) new ones until restore(). */
  cut(): void;
  restore(): void;
  /** Connections refused while cut. */
  refused(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let down = false;
  let refused = 0;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    if (down) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut: () => {
      down = true;
      for (const s of open) s.resetAndDestroy();
      open.clear();
    },
    restore: () => {
      down = false;
    },
    refused: () => refused,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface SlackPost {
  at: number;
  status: number;
  body: string;
}

export interface SlackStub {
  url: string;
  setDown(down: boolean): void;
  posts(): SlackPost[];
  close(): Promise<void>;
}

export async function startSlackStub(): Promise<SlackStub> {
  let down = false;
  const posts: SlackPost[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = down ? 503 : 200;
      posts.push({ at: Date.now(), status, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(down ? 'service unavailable' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/fault-suite`,
    setDown: (d) => {
      down = d;
    },
    posts: () => [...posts],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
