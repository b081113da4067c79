import { type Limits, type OutboxLimits, outboxLimits } from '@switchboard/protocol';
import type { CallView, HookSet } from '../hooks.js';
import type { ServerMetrics } from '../metrics.js';
import type { Middleware, Service } from '../service.js';
import type { SessionRegistry } from '../session-link.js';
import type { TopicHub } from '../topics.js';

/** Options a session takes from its server. */
export interface SessionSettings {
  readonly limits: Limits;
  readonly creditWindow: number;
  readonly exposeErrors: boolean;
  readonly hub: TopicHub;
  readonly reportError: (error: unknown, path: string) => void;
  readonly metrics: ServerMetrics;
  readonly hooks: HookSet;
  /** Where the server keeps its sessions (the server itself). */
  readonly registry: SessionRegistry;
}

/**
 * What every call of one service on one server shares: its middleware, output validation, credit
 * window, error reporting and counters. One per service and server, so a call reaches them in
 * one step instead of through forwarders on its session.
 */
export class CallEnvironment {
  /** The service whose calls these are. */
  readonly service: Service;
  readonly middleware: ReadonlyArray<Middleware<unknown>>;
  readonly validateOutput: boolean;
  readonly creditWindow: number;
  readonly exposeErrors: boolean;
  readonly metrics: ServerMetrics;
  readonly limits: Limits;
  /** The outbox limits every session of the service shares (one object, not a copy per session). */
  readonly outboxLimits: OutboxLimits;
  readonly hub: TopicHub;
  /** The server's lifecycle hooks (a field left undefined costs a call nothing). */
  readonly hooks: HookSet;
  /** Where the server keeps its sessions: shared here, not held by each session. */
  readonly registry: SessionRegistry;
  private readonly report: (error: unknown, path: string) => void;

  constructor(service: Service, settings: SessionSettings) {
    this.service = service;
    this.middleware = service.middleware as ReadonlyArray<Middleware<unknown>>;
    this.validateOutput = service.validateOutput;
    this.creditWindow = settings.creditWindow;
    this.exposeErrors = settings.exposeErrors;
    this.metrics = settings.metrics;
    this.limits = settings.limits;
    const { limits } = settings;
    this.outboxLimits = outboxLimits({
      maxFrameBytes: limits.maxFrameBytes,
      maxBatch: limits.maxBatch,
      bufferMessages: limits.resumeBufferMessages,
      bufferBytes: limits.resumeBufferBytes,
    });
    this.hub = settings.hub;
    this.hooks = settings.hooks;
    this.report = settings.reportError;
    this.registry = settings.registry;
  }

  /** Hands an unexpected error to the server's `onError`. */
  reportError(error: unknown, where: string): void {
    this.report(error, where);
  }

  /** Counts a slow-consumer overflow. */
  countSlowConsumer(): void {
    this.metrics.slowConsumers++;
  }

  /** Counts an item of `call` dropped or conflated by a policy. */
  countDrop(call: CallView): void {
    this.metrics.itemsDropped++;
    this.hooks.itemDropped?.(call);
  }
}

const environments = new WeakMap<SessionSettings, Map<Service, CallEnvironment>>();

/** The one {@link CallEnvironment} of `service` under a server's `settings`. */
export function environmentOf(service: Service, settings: SessionSettings): CallEnvironment {
  let byService = environments.get(settings);
  if (!byService) environments.set(settings, (byService = new Map()));
  let environment = byService.get(service);
  if (!environment) byService.set(service, (environment = new CallEnvironment(service, settings)));
  return environment;
}
