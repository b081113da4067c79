import { defineContract, unary } from '@switchboard/contract';
import { type Codec, jsonCodec, msg, msgpackCodec } from '@switchboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { environmentOf } from './call/environment.js';
import { ownedBy, sameTerms } from './resume-terms.js';
import { createServer, type SwitchboardServer } from './server.js';
import { implement, type Service } from './service.js';
import { Session } from './session.js';
import { resumable, settleForMove } from './session-state.js';

const procedures = { echo: unary({ input: z.string(), output: z.string() }) };
// The server holds its services with their context types erased, as here.
const shop = implement(defineContract({ api: { name: 'shop', version: '1' }, procedures }), {
  echo: (text) => text,
}) as unknown as Service;
const shopV2 = implement(defineContract({ api: { name: 'shop', version: '2' }, procedures }), {
  echo: (text) => text,
}) as unknown as Service;

let server: SwitchboardServer | undefined;

afterEach(async () => {
  await server?.close({ deadlineMs: 0 });
  server = undefined;
});

/** A session of `principal` on `shop` over JSON that sent 6 messages, 3 of them one run, and had 1 acknowledged. */
function sessionOf(principal: string | undefined): Session {
  server ??= createServer({ services: [shop, shopV2], onError: () => undefined });
  const session = new Session(environmentOf(shop, server.settings), jsonCodec, {}, principal);
  session.outbox.push(msg.data(1, 'a'));
  session.outbox.push(msg.data(1, 'b'));
  session.outbox.pushRun([msg.data(1, 'c'), msg.data(1, 'd'), msg.data(1, 'e')]);
  session.outbox.push(msg.data(1, 'f'));
  session.outbox.ack(1);
  return session;
}

describe('ownedBy', () => {
  it('lets only the owner resume, and nobody a session without an owner', () => {
    expect(ownedBy('ann', 'ann')).toBe(true);
    expect(ownedBy('ann', 'bob')).toBe(false);
    expect(ownedBy('ann', undefined)).toBe(false);
    expect(ownedBy(undefined, undefined)).toBe(false);
  });
});

describe('sameTerms', () => {
  it('matches a service and codec by what the terms hold: objects for a live session, names for a record', () => {
    const live = { principal: 'ann', service: shop, codec: jsonCodec as Codec };
    expect(sameTerms(live, shop, jsonCodec)).toBe(true);
    expect(sameTerms(live, shopV2, jsonCodec)).toBe(false);
    expect(sameTerms(live, shop, msgpackCodec)).toBe(false);
    const moved = { principal: 'ann', service: 'shop.1', codec: 'json' };
    expect(sameTerms(moved, 'shop.1', 'json')).toBe(true);
    expect(sameTerms(moved, 'shop.2', 'json')).toBe(false);
    expect(sameTerms(moved, 'shop.1', 'msgpack')).toBe(false);
  });
});

describe('a session and its handover record', () => {
  it('are resumable by exactly the same HELLOs', () => {
    const principals = ['ann', 'bob', undefined];
    const services = [shop, shopV2];
    const codecs = [jsonCodec, msgpackCodec];
    let agreed = 0;
    let resumableCount = 0;
    for (const owner of ['ann', undefined]) {
      const session = sessionOf(owner);
      const live = (principal: string | undefined, service: Service, codec: Codec, received: number) =>
        session.belongsTo(principal) && session.canResume(service, codec, received);
      // Asked before the move: settling it for the move leaves nothing to resume live.
      const answers = principals.flatMap((principal) =>
        services.flatMap((service) =>
          codecs.flatMap((codec) =>
            [0, 1, 2, 3, 4, 5, 6, 7].map(
              (received) => [principal, service, codec, received, live(principal, service, codec, received)] as const,
            ),
          ),
        ),
      );
      const record = settleForMove(session);
      for (const [principal, service, codec, received, expected] of answers) {
        expect(resumable(record, service, codec, principal, received), `${owner} ${principal} ${received}`).toBe(
          expected,
        );
        agreed++;
        if (expected) resumableCount++;
      }
    }
    // Ann on shop over JSON, at 1 (the base after the ack), 2, 5 and 6: between kept entries, never
    // 0 (acknowledged, dropped), 3 or 4 (inside the run) or 7 (never sent).
    expect([agreed, resumableCount]).toEqual([192, 4]);
  });
});
