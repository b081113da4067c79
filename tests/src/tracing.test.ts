import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { defineContract, serverStream, unary } from '@switchboard/contract';
import { serverTracing, traceMetadata } from '@switchboard/opentelemetry';
import { RpcError } from '@switchboard/protocol';
import { implement } from '@switchboard/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connect, startServer } from './helpers.js';

const pricing = defineContract({
  procedures: {
    price: unary({ input: z.object({ sku: z.string() }), output: z.number() }),
    quotes: serverStream({ input: z.object({ sku: z.string() }), item: z.number() }),
  },
});

const shop = defineContract({
  procedures: {
    checkout: unary({ input: z.object({ sku: z.string() }), output: z.number() }),
  },
});

const exporter = new InMemorySpanExporter();
const cleanup: Array<() => unknown> = [];

beforeAll(() => {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});

afterAll(async () => {
  for (const undo of cleanup.reverse()) await undo();
  trace.disable();
  context.disable();
  propagation.disable();
});

describe('@switchboard/opentelemetry', () => {
  it('follows one trace from a client call through its handler to the calls it makes to a second service', async () => {
    const pricingService = implement(pricing, {
      price: ({ sku }) => {
        if (sku === 'gone') throw new RpcError('NOT_FOUND', 'no such sku');
        return 42;
      },
      quotes: async function* () {
        yield* [40, 41, 42];
      },
    });
    const second = await startServer({ services: pricingService, hooks: serverTracing() });
    cleanup.push(() => second.server.close({ deadlineMs: 0 }));
    const pricingClient = connect(pricing, second.url, 'msgpackr', { metadata: traceMetadata });
    cleanup.push(() => pricingClient.$close());

    const shopService = implement(shop, {
      checkout: async ({ sku }) => {
        const quotes: number[] = [];
        for await (const quote of pricingClient.quotes({ sku })) quotes.push(quote);
        await pricingClient.price({ sku: 'gone' }).catch(() => undefined);
        return (await pricingClient.price({ sku })) + quotes.length;
      },
    });
    const first = await startServer({ services: shopService, hooks: serverTracing() });
    cleanup.push(() => first.server.close({ deadlineMs: 0 }));
    const client = connect(shop, first.url, 'json', { metadata: traceMetadata });
    cleanup.push(() => client.$close());

    const tracer = trace.getTracer('test');
    const total = await tracer.startActiveSpan('user checkout', async (span) => {
      try {
        return await client.checkout({ sku: 'book' });
      } finally {
        span.end();
      }
    });
    expect(total).toBe(45);

    const spans = exporter.getFinishedSpans();
    const byName = new Map(spans.map((span) => [span.name, span]));
    expect([...byName.keys()].sort()).toEqual(['checkout', 'price', 'quotes', 'user checkout']);
    const root = byName.get('user checkout');
    const checkout = byName.get('checkout');
    const quotes = byName.get('quotes');
    const prices = spans.filter((span) => span.name === 'price');
    expect(spans).toHaveLength(5);
    // One trace: every span shares the root's trace id, each server span under its caller.
    const traceId = root?.spanContext().traceId;
    for (const span of spans) expect(span.spanContext().traceId).toBe(traceId);
    expect(checkout?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    for (const nested of [quotes, ...prices])
      expect(nested?.parentSpanContext?.spanId).toBe(checkout?.spanContext().spanId);

    expect(checkout?.kind).toBe(SpanKind.SERVER);
    expect(checkout?.attributes).toMatchObject({
      'rpc.system': 'switchboard',
      'rpc.method': 'checkout',
      'switchboard.kind': 'unary',
      'switchboard.outcome': 'OK',
      'switchboard.items_sent': 0,
      'switchboard.items_received': 0,
    });
    expect(quotes?.attributes).toMatchObject({ 'switchboard.kind': 'serverStream', 'switchboard.items_sent': 3 });
    expect(prices.map((span) => [span.attributes['switchboard.outcome'], span.status.code]).sort()).toEqual([
      ['NOT_FOUND', SpanStatusCode.ERROR],
      ['OK', SpanStatusCode.UNSET],
    ]);
  });
});
