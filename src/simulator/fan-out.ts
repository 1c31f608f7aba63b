/**
 * TEST / DEMO ONLY. Hands one message to many receivers, the way group messages and status posts
 * reach their members and viewers: at once to an open instance, later (on reconnect) to one that
 * is not, each arrival once.
 */
import { randomBytes } from 'node:crypto';
import type { SimInstance } from './network';

/** A WhatsApp-like message id (the web client's 3EB0 prefix). */
export function newSimMessageId(): string {
  return `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;
}

export class SimFanOut<T> {
  private readonly waiting = new Map<string, T[]>();

  constructor(private readonly deliver: (item: T, receiver: SimInstance) => void) {}

  send(item: T, receiver: SimInstance): void {
    if (receiver.state === 'open') this.deliver(item, receiver);
    else this.waiting.set(receiver.name, [...(this.waiting.get(receiver.name) ?? []), item]);
  }

  /** The receiver is open again: what waited for it arrives, in order. */
  connected(receiver: SimInstance): void {
    const items = this.waiting.get(receiver.name) ?? [];
    this.waiting.delete(receiver.name);
    for (const item of items) this.deliver(item, receiver);
  }

  pendingFor(name: string): number {
    return this.waiting.get(name)?.length ?? 0;
  }
}
