/**
 * Starts an HTTP server on host:port (0 = any free port) and says where a client on this machine
 * reaches it; close() also drops kept-alive connections, so stopping never waits on an idle client.
 * Shared by the webhook receiver, the codec endpoint, the console and the dev database bridge, whose
 * servers come from createGuardedServer (src/adapters/http-server.ts).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  /** http://host:port, with a wildcard host shown as 127.0.0.1 and an IPv6 literal in brackets. */
  origin: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(server: Server, port: number, host: string): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    origin: `http://${shownHost}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
