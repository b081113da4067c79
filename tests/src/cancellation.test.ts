import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api } from './fixture.js';
import { CODECS, codeOf, connect, startServer, until } from './helpers.js';
import { fixtureService, newProbe } from './service.js';

describe.each(CODECS)('cancellation over %s', (codec) => {
  const probe = newProbe();
  let server: Awaited<ReturnType<typeof startServer>>;
  let client: ReturnType<typeof connect<typeof api>>;
  beforeAll(async () => {
    server = await startServer({ services: fixtureService(probe) });
    client = connect(api, server.url, codec);
  });
  beforeEach(() => {
    probe.aborted.length = 0;
    probe.started.length = 0;
  });
  afterAll(async () => {
    client.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('aborts the handler signal when the caller aborts a unary call', async () => {
    const controller = new AbortController();
    const call = client.wait({ ms: 30_000 }, { signal: controller.signal });
    await until(() => probe.started.includes('wait'));
    controller.abort();
    expect(await codeOf(call)).toBe('CANCELLED');
    await until(() => probe.aborted.includes('wait'));
    expect(await client.add({ a: 1, b: 2 })).toBe(3);
  });

  it('aborts the handler signal when a unary call is cancelled with cancel()', async () => {
    const call = client.wait({ ms: 30_000 });
    await until(() => probe.started.includes('wait'));
    call.cancel();
    expect(await codeOf(call)).toBe('CANCELLED');
    await until(() => probe.aborted.includes('wait'));
  });

  it('aborts the handler signal when the per-call timeout elapses', async () => {
    const call = client.wait({ ms: 30_000 }, { timeoutMs: 100 });
    expect(await codeOf(call)).toBe('DEADLINE_EXCEEDED');
    await until(() => probe.aborted.includes('wait'));
    expect(probe.started).toEqual(['wait']);
  });

  it('does not start a call whose signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await codeOf(client.wait({ ms: 1 }, { signal: controller.signal }))).toBe('CANCELLED');
    expect(await client.noInput()).toBe('ok');
    expect(probe.started).toEqual([]);
  });

  it('stops the server generator when the client breaks out of for await', async () => {
    const seen: number[] = [];
    for await (const n of client.forever()) {
      seen.push(n);
      if (seen.length === 100) break;
    }
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await until(() => probe.aborted.includes('forever'));
    expect(probe.started).toEqual(['forever']);
  });

  it('cancels the stream on the server when a forEach callback throws, rejecting with that error', async () => {
    const seen: number[] = [];
    const failure = new Error('enough');
    const reading = client.forever().forEach((n) => {
      seen.push(n);
      if (seen.length === 10) throw failure;
    });
    await expect(reading).rejects.toBe(failure);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => i));
    await until(() => probe.aborted.includes('forever'));
  });

  it('stops the server generator when the stream is cancelled with cancel()', async () => {
    const stream = client.forever();
    const iterator = stream[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 0 });
    stream.cancel();
    await until(() => probe.aborted.includes('forever'));
    await expect(iterator.next()).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('ends the iteration at once on cancel(), dropping items already received', async () => {
    const stream = client.forever();
    const iterator = stream[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 0 });
    // Let more of the credit window arrive, then cancel with items buffered.
    await until(() => probe.started.includes('forever'));
    const sent = server.server.metrics.framesSent;
    await until(() => server.server.metrics.framesSent >= sent + 3);
    stream.cancel();
    await expect(iterator.next()).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('stops the server generator when its signal aborts', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const n of client.forever(undefined, { signal: controller.signal })) {
        seen.push(n);
        if (seen.length === 10) controller.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await until(() => probe.aborted.includes('forever'));
  });

  it('aborts the handler signal of a cancelled client stream', async () => {
    const upload = client.sum();
    await upload.send(1);
    upload.cancel();
    await until(() => probe.aborted.includes('sum'));
    expect(await codeOf(upload.end())).toBe('CANCELLED');
  });

  it('aborts the handler signal of a cancelled channel', async () => {
    const channel = client.chat({ prefix: '' });
    await channel.send('one');
    const iterator = channel[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 'one' });
    channel.cancel();
    await until(() => probe.aborted.includes('chat'));
    await expect(channel.send('two')).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('aborts every running handler when the client closes', async () => {
    const call = client.wait({ ms: 30_000 });
    const other = connect(api, server.url, codec);
    const theirs = other.wait({ ms: 30_000 });
    await until(() => probe.started.length === 2);
    other.$close();
    expect(await codeOf(theirs)).toBe('CONNECTION_CLOSED');
    await until(() => probe.aborted.length === 1);
    call.cancel();
    await until(() => probe.aborted.length === 2);
  });
});
