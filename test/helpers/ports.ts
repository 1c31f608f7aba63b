/**
 * Ports for servers a test starts in a child process some seconds after choosing the port.
 *
 * A port from `listen(0)` comes from the kernel's ephemeral range, and so do the ports of every
 * other server and outbound connection on the machine: in the gap before the child binds it, a
 * parallel suite's Temporal server once took the dev smoke test's port. A port below that range is
 * never handed out by the kernel, so only another caller of this helper could take it.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOWEST = 20_000;
const given = new Set<number>();

function ephemeralStart(): number {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const value = Number(start);
    if (Number.isInteger(value) && value > LOWEST + 1000) return value;
  } catch {
    // Not Linux: the IANA dynamic range starts here.
  }
  return 49_152;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port below the ephemeral range, never the same twice in one test process. */
export async function freePort(): Promise<number> {
  const span = ephemeralStart() - LOWEST;
  // Random start: the two jest workers each call this in their own process.
  const offset = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = LOWEST + ((offset + i) % span);
    if (given.has(port)) continue;
    if (await bindable(port)) {
      given.add(port);
      return port;
    }
  }
  throw new Error(`no free port between ${LOWEST} and ${LOWEST + span}`);
}
