import { Redis, type RedisOptions } from 'ioredis';

/** Which Redis a component uses: an ioredis client, or options or a URL for its own connection. */
export type RedisTarget = Redis | RedisOptions | string;

/** Where a component connects when it is given no Redis. */
export const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

// ioredis's constructor overloads reject its own RedisOptions type under
// exactOptionalPropertyTypes (one overload declares replyMapping without `| undefined`).
const RedisClient = Redis as unknown as new (options: RedisOptions | string) => Redis;

/**
 * A component's two connections: `main` (the given client, or one it opens and so owns) and a
 * `subscriber` duplicate of it (a connection in subscriber mode can do nothing else), both
 * reporting errors to `onError`.
 */
export function redisPair(
  target: RedisTarget | undefined,
  onError: (error: unknown) => void,
  subscriberOptions: Partial<RedisOptions> = {},
): { main: Redis; ownsMain: boolean; subscriber: Redis } {
  let main: Redis;
  let ownsMain: boolean;
  if (target instanceof Redis) {
    main = target;
    ownsMain = false;
  } else {
    main = new RedisClient(target ?? DEFAULT_REDIS);
    ownsMain = true;
    main.on('error', onError);
  }
  const subscriber = main.duplicate(subscriberOptions);
  subscriber.on('error', onError);
  return { main, ownsMain, subscriber };
}

/** Closes `connection`, dropping it at once if it cannot say goodbye (closed, never connected). */
export async function quit(connection: Redis): Promise<void> {
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}
