import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceiverMode = 'ok' | 'error500' | 'error400' | 'hang';

export interface ReceivedPost {
  path: string;
  contentType: string | undefined;
  raw: string;
  json: unknown;
}

/** A stand-in for hooks.slack.com: records each POST and answers as `mode` says. */
export interface SlackReceiver {
  url: string;
  posts: ReceivedPost[];
  mode: ReceiverMode;
  close(): Promise<void>;
}

export async function startSlackReceiver(): Promise<SlackReceiver> {
  const posts: ReceivedPost[] = [];
  const receiver = { posts, mode: 'ok' as ReceiverMode } as SlackReceiver;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      let json: unknown = null;
      try {
        json = JSON.parse(raw);
      } catch {
        /* recorded as raw */
      }
      posts.push({ path: req.url ?? '', contentType: req.headers['content-type'], raw, json });
      switch (receiver.mode) {
        case 'ok':
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
          break;
        case 'error500':
          res.writeHead(500, { 'content-type': 'text/plain' }).end('internal_error');
          break;
        case 'error400':
          res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
          break;
        case 'hang':
          break; // never answer
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXXSECRET`;
  receiver.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return receiver;
}
