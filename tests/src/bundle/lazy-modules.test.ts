import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// The JSON-only browser client as scripts/bundle-size.mjs measures it (one unary call, one server
// stream, close; the contract as a type only): the features that app does not use load through
// import() in chunks of their own, and what a page loads at start is one chunk without them.
const script = fileURLToPath(new URL('../../../scripts/bundle-size.mjs', import.meta.url));
const benchDir = fileURLToPath(new URL('../../../bench/', import.meta.url));

interface Part {
  readonly gzip: number;
  readonly chunks: readonly { readonly path: string }[];
  readonly modules: ReadonlyMap<string, number>;
}
interface BundleSize {
  measureClient(resolveDir: string, log: (line: string) => void): Promise<{ json: { initial: Part; lazy: Part } }>;
}

/** The modules loaded only on a feature's first use, each with the feature. */
const LAZY = {
  'client/src/topic-group.ts': 'topic subscriptions shared by channel',
  'client/src/client-procedure-runner.ts': "running the handlers of the server's calls",
  'contract/src/schema.ts': "validating the input of the server's calls",
  'client/src/send-queue.ts': 'client streams and channels sending',
  'client/src/socket-http.ts': 'the HTTP fallback',
  'protocol/src/http-records.ts': "the HTTP fallback's records",
  'client/src/transport-probe.ts': 'the WebSocket probes while on HTTP',
  'client/src/transport-fallback.ts': "opening an attempt's HTTP socket, taking over a probe's WebSocket",
};

const holding = (part: Part, module: string) => [...part.modules.keys()].some((input) => input.endsWith(module));

it('loads at start one chunk without the modules of features the app does not use, which load later', async () => {
  const { measureClient } = (await import(script)) as BundleSize;
  const { json } = await measureClient(benchDir, () => undefined);
  expect(json.initial.chunks).toHaveLength(1);
  for (const module of Object.keys(LAZY)) {
    expect({ module, atStart: holding(json.initial, module) }).toEqual({ module, atStart: false });
    expect({ module, later: holding(json.lazy, module) }).toEqual({ module, later: true });
  }
  // The control: what every call needs is at start.
  expect(holding(json.initial, 'client/src/call.ts')).toBe(true);
  console.log(`[bundle] JSON-only client at start: ${json.initial.gzip} bytes gzip; later: ${json.lazy.gzip}`);
});
