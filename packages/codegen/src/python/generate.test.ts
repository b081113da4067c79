import { describe, expect, it } from 'vitest';
import type { Manifest, ManifestProcedure } from '../manifest.js';
import { generatePython } from './generate.js';

function manifest(...procedures: ManifestProcedure[]): Manifest {
  return {
    $schema: 'https://example.invalid/manifest.schema.json',
    manifestVersion: 1,
    wireVersion: 'v1',
    api: { name: 'shop', version: '2' },
    subprotocols: ['switchboard.v1.json.shop.2'],
    procedures,
  };
}

const generate = (...procedures: ManifestProcedure[]) =>
  generatePython(manifest(...procedures), { packageName: 'shop_client' });

describe('generatePython', () => {
  it('writes a package: __init__, types, errors, api and py.typed', () => {
    const files = generate({ path: 'ping', kind: 'unary', output: { const: 'pong' }, errors: {} });
    expect(Object.keys(files).sort()).toStrictEqual([
      'shop_client/__init__.py',
      'shop_client/api.py',
      'shop_client/errors.py',
      'shop_client/py.typed',
      'shop_client/types.py',
    ]);
    expect(files['shop_client/api.py']).toContain('API: tuple[str, str] | None = ("shop", "2")');
    expect(files['shop_client/api.py']).toContain('async def ping(self, input: None = None) -> PingOutput:');
    expect(files['shop_client/types.py']).toContain('PingOutput: TypeAlias = Literal["pong"]');
  });

  it('maps JSON Schema to Python types, objects to TypedDicts with NotRequired optional fields', () => {
    const types = generate({
      path: 'orders.place',
      kind: 'unary',
      input: {
        type: 'object',
        properties: {
          sku: { type: 'string' },
          qty: { type: 'integer' },
          price: { type: 'number' },
          gift: { type: 'boolean' },
          note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
          tags: { type: 'array', items: { type: 'string' } },
          size: { enum: ['s', 'm', 'l'] },
          meta: { type: 'object', additionalProperties: { type: 'number' } },
          ship: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
        required: ['sku', 'qty'],
      },
      output: { type: 'string' },
      errors: {},
    })['shop_client/types.py'];
    expect(types).toContain('class OrdersPlaceInputShip(TypedDict):');
    expect(types).toContain('class OrdersPlaceInput(TypedDict):');
    for (const field of [
      'sku: str',
      'qty: int',
      'price: NotRequired[float]',
      'gift: NotRequired[bool]',
      'note: NotRequired[str | None]',
      'tags: NotRequired[list[str]]',
      'size: NotRequired[Literal["s", "m", "l"]]',
      'meta: NotRequired[dict[str, float]]',
      'ship: NotRequired[OrdersPlaceInputShip]',
    ])
      expect(types).toContain(`    ${field}\n`);
    // The nested class comes before the class that names it.
    expect(types?.indexOf('class OrdersPlaceInputShip')).toBeLessThan(types?.indexOf('class OrdersPlaceInput(') ?? 0);
  });

  it('writes keys that are not Python names in the functional TypedDict form', () => {
    const types = generate({
      path: 'mail',
      kind: 'event',
      input: {
        type: 'object',
        properties: { from: { type: 'string' }, 'x-id': { type: 'integer' } },
        required: ['from'],
      },
      errors: {},
    })['shop_client/types.py'];
    expect(types).toContain('MailInput = TypedDict("MailInput", {"from": "str", "x-id": "NotRequired[int]"})');
  });

  it('follows $defs references, recursive ones included', () => {
    const types = generate({
      path: 'tree',
      kind: 'unary',
      output: {
        $ref: '#/$defs/Node',
        $defs: {
          Node: {
            type: 'object',
            properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/Node' } } },
            required: ['name', 'children'],
          },
        },
      },
      errors: {},
    })['shop_client/types.py'];
    expect(types).toContain('class TreeOutputNode(TypedDict):');
    expect(types).toContain('    children: list[TreeOutputNode]\n');
  });

  it('writes one method per kind and a typed exception class per error code, carrying its data', () => {
    const item = { type: 'integer' };
    const files = generate(
      {
        path: 'users.get',
        kind: 'unary',
        input: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        output: { type: 'string' },
        errors: { USER_NOT_FOUND: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
      },
      { path: 'count', kind: 'serverStream', input: true, inputOptional: true, item, errors: {} },
      { path: 'sum', kind: 'clientStream', item, output: item, errors: {} },
      { path: 'chat', kind: 'bidi', clientItem: { type: 'string' }, serverItem: item, errors: {} },
      { path: 'audit', kind: 'event', input: { type: 'string' }, errors: {} },
      { path: 'news', kind: 'topic', input: { type: 'object' }, item: { type: 'string' }, errors: {} },
    );
    const api = files['shop_client/api.py'] ?? '';
    expect(api).toContain('self.users = _UsersNamespace(client)');
    expect(api).toContain(
      'return cast("UsersGetOutput", await self._client.call("users.get", input, errors=USERS_GET_ERRORS))',
    );
    expect(api).toContain('def count(self, input: CountInput | None = None) -> ServerStream[CountItem]:');
    expect(api).toContain('def sum(self, input: None = None) -> Upload[SumItem, SumOutput]:');
    expect(api).toContain('def chat(self, input: None = None) -> Channel[ChatClientItem, ChatServerItem]:');
    expect(api).toContain('async def audit(self, payload: AuditInput, *, key: str | None = None) -> None:');
    expect(api).toContain('def news(self, key: str | None = None) -> Subscription[NewsItem]:');
    const types = files['shop_client/types.py'] ?? '';
    for (const alias of [
      'CountInput: TypeAlias = Any',
      'CountItem: TypeAlias = int',
      'ChatClientItem: TypeAlias = str',
    ])
      expect(types).toContain(alias);
    const errors = files['shop_client/errors.py'] ?? '';
    expect(errors).toContain('class UsersGetUserNotFoundError(RpcError[UsersGetUserNotFoundData]):');
    expect(errors).toContain('USERS_GET_ERRORS: ErrorMap = {"USER_NOT_FOUND": UsersGetUserNotFoundError}');
  });

  it('refuses a package name Python cannot import', () => {
    expect(() => generatePython(manifest(), { packageName: 'shop-client' })).toThrow(/not a Python package name/);
  });
});
