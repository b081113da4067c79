import { describe, expectTypeOf, it } from 'vitest';
import {
  type CutEvent,
  createFaultProxy,
  type DirectionFilter,
  type FaultHandle,
  type FaultProxy,
  type FrameInfo,
  type ProxiedConnection,
} from './index.js';

declare const proxy: FaultProxy;
declare const connection: ProxiedConnection;

describe('fault-proxy types', () => {
  it('resolves to a FaultProxy', () => {
    expectTypeOf(createFaultProxy).returns.resolves.toEqualTypeOf<FaultProxy>();
  });

  it('types the listeners of every event', () => {
    proxy.on('connection', (accepted) => expectTypeOf(accepted).toEqualTypeOf<ProxiedConnection>());
    proxy.on('cut', (event) => expectTypeOf(event).toEqualTypeOf<CutEvent>());
    connection.on('frameForwarded', (frame) => expectTypeOf(frame).toEqualTypeOf<FrameInfo>());
    connection.on('close', (...args) => expectTypeOf(args).toEqualTypeOf<[]>());
    // @ts-expect-error: not an event of the proxy
    proxy.on('frame', () => {});
  });

  it('takes a direction or options wherever a fault watches frames', () => {
    expectTypeOf(proxy.cutAfterFrames(3, 'client-to-server')).toEqualTypeOf<FaultHandle>();
    expectTypeOf(connection.cutAfterBytes(4096, { direction: 'server-to-client' })).toEqualTypeOf<FaultHandle>();
    expectTypeOf(connection.cutMidFrame({ direction: 'both', bytes: 10, reset: true })).toEqualTypeOf<FaultHandle>();
    expectTypeOf<Parameters<FaultProxy['stall']>[0]>().toEqualTypeOf<DirectionFilter | undefined>();
    // @ts-expect-error: directions are spelt out
    proxy.cutMidFrame('upstream');
    // @ts-expect-error: a random cut needs its seed
    proxy.cutRandomly({ meanFrames: 3 });
  });

  it('exposes read-only state', () => {
    // @ts-expect-error: port is read-only
    proxy.port = 1;
    expectTypeOf(proxy.connections).toEqualTypeOf<readonly ProxiedConnection[]>();
    expectTypeOf(connection.stats['server-to-client'].framesForwarded).toBeNumber();
  });
});
