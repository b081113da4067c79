import type { Inbox } from './inbox.js';
import type { Message } from './messages.js';
import { msg } from './msg.js';

/** Test helper: gives `messages` to `inbox` one by one and returns the POS it made due on the way. */
export function receiveAll(inbox: Inbox, messages: readonly Message[]): Message[] {
  const acks: Message[] = [];
  for (const message of messages) {
    if (!inbox.receive(message)) continue;
    const pos = inbox.pos();
    if (pos) acks.push(pos);
  }
  return acks;
}

/** Test helper: `n` DATA messages of stream 1. */
export const items = (n: number): Message[] => Array.from({ length: n }, (_, i) => msg.data(1, i));
