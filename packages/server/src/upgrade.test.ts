import { defineContract, unary } from '@switchboard/contract';
import { buildSubprotocol, CloseCode, FALLBACK_TOKEN } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer } from './server.js';
import { implement } from './service.js';
import type { UpgradeRequest } from './socket.js';
import { decideUpgrade, Negotiator, type UpgradeDecision, type UpgradeState } from './upgrade.js';

const echo = unary({ input: z.string(), output: z.string() });
const plain = implement(defineContract({ procedures: { echo } }), { echo: (text) => text });
const shop = implement(defineContract({ api: { name: 'shop', version: '2' }, procedures: { echo } }), {
  echo: (text) => text,
});

const JSON_TOKEN = buildSubprotocol('json');

function request(url: string, headers: UpgradeRequest['headers'] = {}): UpgradeRequest {
  return { url, headers: { 'sec-websocket-protocol': JSON_TOKEN, ...headers }, remoteAddress: '192.0.2.1' };
}

function state(overrides: Partial<UpgradeState> = {}): UpgradeState {
  return {
    path: '/rpc',
    negotiator: new Negotiator([plain, shop], ['msgpackr', 'json']),
    allowedOrigins: undefined,
    draining: false,
    connectionCount: 0,
    maxConnections: Number.POSITIVE_INFINITY,
    ...overrides,
  };
}

/** The refusal of a decision, failing the test when it is an acceptance. */
function refused(decision: UpgradeDecision) {
  if (decision.ok) throw new Error(`expected a refusal, got ${JSON.stringify(decision.acceptance.token)}`);
  return decision;
}

/** The acceptance of a decision, failing the test when it is a refusal. */
function accepted(decision: UpgradeDecision) {
  if (!decision.ok) throw new Error(`expected an acceptance, got HTTP ${decision.status}: ${decision.body}`);
  return decision.acceptance;
}

describe('decideUpgrade', () => {
  it('accepts the first offer served, with its service and codec', () => {
    const offers = `switchboard.v9.json, ${buildSubprotocol('json', { name: 'shop', version: '2' })}, ${JSON_TOKEN}`;
    const acceptance = accepted(decideUpgrade(request('/rpc?x=1', { 'sec-websocket-protocol': offers }), state()));
    expect(acceptance).toMatchObject({ ok: true, token: buildSubprotocol('json', { name: 'shop', version: '2' }) });
    expect(acceptance.ok && acceptance.service).toBe(shop);
    expect(acceptance.ok && acceptance.codec).toBe('json');
  });

  it('refuses another path with 404, ignoring the query string', () => {
    const refusal = refused(decideUpgrade(request('/other?to=/rpc'), state()));
    expect(refusal).toMatchObject({ status: 404, reason: 'path', body: 'no WebSocket endpoint at /other' });
    expect(refusal.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('refuses a browser origin not allowed with 403, by list or by function', () => {
    const evil = request('/rpc', { origin: 'https://evil.example' });
    for (const allowedOrigins of [['https://app.example'], (origin: string) => origin.endsWith('.app.example')]) {
      expect(refused(decideUpgrade(evil, state({ allowedOrigins })))).toMatchObject({ status: 403, reason: 'origin' });
    }
    const app = request('/rpc', { origin: 'https://app.example' });
    expect(decideUpgrade(app, state({ allowedOrigins: ['https://app.example'] })).ok).toBe(true);
  });

  it('allows a request without an Origin header (not a browser) whatever the allowed origins', () => {
    expect(decideUpgrade(request('/rpc'), state({ allowedOrigins: [] })).ok).toBe(true);
  });

  it('refuses with 400 naming the supported tokens when no offer is served and the fallback is not offered', () => {
    for (const header of ['switchboard.v9.json', 'graphql-ws', undefined]) {
      const refusal = refused(decideUpgrade(request('/rpc', { 'sec-websocket-protocol': header }), state()));
      expect(refusal).toMatchObject({ status: 400, reason: 'subprotocol' });
      expect(refusal.body).toMatch(new RegExp(`supported .*${JSON_TOKEN}`));
    }
  });

  it('accepts a fallback-only offer to explain the failure in one ERROR frame, then close with 4406', () => {
    const header = `switchboard.v9.json, ${FALLBACK_TOKEN}`;
    const acceptance = accepted(decideUpgrade(request('/rpc', { 'sec-websocket-protocol': header }), state()));
    if (acceptance.ok) throw new Error('expected a close after the upgrade');
    expect(acceptance).toMatchObject({ token: FALLBACK_TOKEN, reason: 'subprotocol' });
    expect(acceptance.code).toBe(CloseCode.SUBPROTOCOL_NOT_ACCEPTABLE);
    const [[type, id, code, , data]] = JSON.parse(acceptance.frame ?? '[]');
    expect([type, id, code]).toEqual([15, 0, 'UNSUPPORTED_PROTOCOL']);
    expect(data.offered).toEqual(['switchboard.v9.json', FALLBACK_TOKEN]);
    expect(data.supported).toContain(JSON_TOKEN);
  });

  it('closes with 1012 after the upgrade while the server drains', () => {
    const acceptance = accepted(decideUpgrade(request('/rpc'), state({ draining: true })));
    expect(acceptance).toMatchObject({ ok: false, token: JSON_TOKEN, reason: 'draining', frame: undefined });
    expect(!acceptance.ok && acceptance.code).toBe(CloseCode.SERVICE_RESTART);
  });

  it('closes with 4001 after the upgrade at maxConnections, and accepts below it', () => {
    const full = accepted(decideUpgrade(request('/rpc'), state({ connectionCount: 2, maxConnections: 2 })));
    expect(full).toMatchObject({ ok: false, reason: 'capacity' });
    expect(!full.ok && full.code).toBe(CloseCode.OVERLOADED);
    expect(accepted(decideUpgrade(request('/rpc'), state({ connectionCount: 1, maxConnections: 2 }))).ok).toBe(true);
  });

  it('refuses under pressure with HTTP 503 and Retry-After, before capacity is looked at', () => {
    for (const pressure of ['memory', 'event-loop-delay'] as const) {
      const refusal = refused(
        decideUpgrade(
          request('/rpc'),
          state({ pressure, retryAfterSeconds: 7, connectionCount: 9, maxConnections: 1 }),
        ),
      );
      expect(refusal).toMatchObject({ status: 503, reason: pressure, headers: { 'retry-after': '7' } });
    }
    expect(refused(decideUpgrade(request('/rpc'), state({ pressure: 'memory' }))).headers['retry-after']).toBe('5');
  });

  it('closes a browser with 1013 after the upgrade under pressure: it cannot read an HTTP status', () => {
    const browser = request('/rpc', { origin: 'https://app.example' });
    const acceptance = accepted(decideUpgrade(browser, state({ pressure: 'event-loop-delay' })));
    expect(acceptance).toMatchObject({ ok: false, token: JSON_TOKEN, reason: 'event-loop-delay' });
    expect(!acceptance.ok && acceptance.code).toBe(CloseCode.TRY_AGAIN_LATER);
  });

  it('checks in order: path, origin, subprotocol, draining, pressure, capacity', () => {
    const bad = { origin: 'https://evil.example', 'sec-websocket-protocol': 'nothing' };
    const closed = state({ allowedOrigins: [], draining: true, connectionCount: 1, maxConnections: 0 });
    expect(refused(decideUpgrade(request('/x', bad), closed)).reason).toBe('path');
    expect(refused(decideUpgrade(request('/rpc', bad), closed)).reason).toBe('origin');
    expect(refused(decideUpgrade(request('/rpc', { 'sec-websocket-protocol': 'nothing' }), closed)).reason).toBe(
      'subprotocol',
    );
    expect(accepted(decideUpgrade(request('/rpc'), closed))).toMatchObject({ reason: 'draining' });
    const pressed = state({ pressure: 'memory', connectionCount: 1, maxConnections: 0 });
    expect(refused(decideUpgrade(request('/rpc'), pressed)).reason).toBe('memory');
  });
});

describe('SwitchboardServer.decideUpgrade', () => {
  it('decides against the server options and its state, counting nothing', async () => {
    const server = createServer({ services: plain, codecs: ['json'], allowedOrigins: ['https://app.example'] });
    expect(accepted(server.decideUpgrade(request('/'), '/'))).toMatchObject({ ok: true, token: JSON_TOKEN });
    const msgpackOnly = request('/', { 'sec-websocket-protocol': buildSubprotocol('msgpack') });
    expect(refused(server.decideUpgrade(msgpackOnly, '/')).status).toBe(400);
    const evil = request('/', { origin: 'https://evil.example' });
    expect(refused(server.decideUpgrade(evil, '/')).status).toBe(403);
    expect(server.metrics.refused.size).toBe(0);
    await server.close({ deadlineMs: 0 });
    expect(accepted(server.decideUpgrade(request('/'), '/'))).toMatchObject({ reason: 'draining' });
  });
});

describe('Negotiator.negotiateHeader', () => {
  it('answers a repeated header with the same acceptance, and the same as negotiating its offers', () => {
    const negotiator = new Negotiator([plain, shop], ['msgpackr', 'json']);
    const header = `switchboard.v9.json, ${JSON_TOKEN}, ${FALLBACK_TOKEN}`;
    const first = negotiator.negotiateHeader(header);
    expect(first).toEqual(negotiator.negotiate(['switchboard.v9.json', JSON_TOKEN, FALLBACK_TOKEN]));
    expect(first).toMatchObject({ ok: true, token: JSON_TOKEN, codec: 'json' });
    expect(negotiator.negotiateHeader(header)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // A header given as lines (another adapter's request), and none at all, are negotiated as before.
    expect(negotiator.negotiateHeader(['switchboard.v9.json', JSON_TOKEN])).toMatchObject({
      ok: true,
      token: JSON_TOKEN,
    });
    expect(negotiator.negotiateHeader(undefined)).toMatchObject({ ok: false, token: undefined });
  });

  it('keeps refusals out of its cache and stops caching after 32 distinct accepted headers', () => {
    const negotiator = new Negotiator([plain], ['json']);
    const refusedOnce = negotiator.negotiateHeader('switchboard.v9.json');
    expect(refusedOnce.ok).toBe(false);
    expect(negotiator.negotiateHeader('switchboard.v9.json')).not.toBe(refusedOnce);
    const headers = Array.from({ length: 40 }, (_, i) => `${JSON_TOKEN}, junk-${i}`);
    const results = headers.map((header) => negotiator.negotiateHeader(header));
    for (const [i, header] of headers.entries()) {
      const again = negotiator.negotiateHeader(header);
      expect(again).toMatchObject({ ok: true, token: JSON_TOKEN });
      if (i < 32) expect(again).toBe(results[i]);
      else expect(again).not.toBe(results[i]);
    }
  });
});
