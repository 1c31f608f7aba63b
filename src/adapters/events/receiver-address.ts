/**
 * Where an outbound event may go. A receiver URL is resolved at send time and refused when any of its
 * addresses is loopback, private, link-local, unspecified or otherwise not a public unicast address
 * (IPv4-mapped and NAT64 forms included), unless private receivers are allowed
 * (WARMER_EVENTS_ALLOW_PRIVATE=1, as the dev stack runs). The connection then goes to the address that
 * was checked, never to a second lookup's answer: a name that resolves to a public address for the
 * check and to 127.0.0.1 a moment later (DNS rebinding) cannot reach the host's own services.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a host name resolves to (dns.lookup with all: true in production). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback, IPv4-compatible
  ['100::', 64], // discard
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
// IPv4-mapped addresses (::ffff:a.b.c.d) are checked by BlockList against the IPv4 ranges above.

/** The eight 16-bit groups of an IPv6 address (with an embedded dotted quad, if any). */
function ipv6Groups(address: string): number[] | null {
  let text = address.split('%')[0]!.toLowerCase();
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const groups = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** NAT64 prefixes (64:ff9b::/96, 64:ff9b:1::/48) reach the IPv4 address in their last 32 bits. */
function nat64Target(address: string): string | null {
  const g = ipv6Groups(address);
  if (!g || g[0] !== 0x64 || g[1] !== 0xff9b) return null;
  const wellKnown = g.slice(2, 6).every((x) => x === 0);
  if (!wellKnown && g[2] !== 1) return null;
  return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join('.');
}

/** True for any address that is not a public unicast one. A string that is not an address counts as forbidden. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return FORBIDDEN.check(address, 'ipv4');
  if (family !== 6) return true;
  const nat64 = nat64Target(address);
  if (nat64) return FORBIDDEN.check(nat64, 'ipv4');
  return FORBIDDEN.check(address, 'ipv6');
}

export class ReceiverAddressRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReceiverAddressRefused';
  }
}

/** A URL's host as an address or name, without IPv6 brackets. */
export function urlHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * The address to connect to for `url`: every address its host resolves to is checked, and the first
 * is returned to be pinned. Throws ReceiverAddressRefused naming the offending address.
 */
export async function resolveReceiver(url: URL, opts: { allowPrivate: boolean; resolve?: Resolver }): Promise<ResolvedAddress> {
  const host = urlHost(url);
  const literal = isIP(host);
  const addresses: ResolvedAddress[] = literal
    ? [{ address: host, family: literal === 6 ? 6 : 4 }]
    : await (opts.resolve ?? systemResolver)(host);
  if (addresses.length === 0) throw new ReceiverAddressRefused(`${url.origin} resolves to no address`);
  if (!opts.allowPrivate) {
    const forbidden = addresses.find((a) => isForbiddenAddress(a.address));
    if (forbidden)
      throw new ReceiverAddressRefused(
        `${url.origin} resolves to ${forbidden.address}, a loopback, private or link-local address: refused (set WARMER_EVENTS_ALLOW_PRIVATE=1 to allow receivers on a private network)`,
      );
  }
  return addresses[0]!;
}

/** A socket lookup that answers the checked address whatever it is asked. */
export function pinnedLookup(pinned: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  };
}
