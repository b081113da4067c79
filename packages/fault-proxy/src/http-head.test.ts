import { describe, expect, it } from 'vitest';
import { HttpHeadScanner } from './http-head.js';

const RESPONSE = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n';

describe('HttpHeadScanner', () => {
  it('finds the end of a head that arrives one byte at a time', () => {
    const scanner = new HttpHeadScanner();
    const bytes = Buffer.from(RESPONSE);
    const ends = [...bytes].map((_, i) => scanner.scan(bytes.subarray(i, i + 1), 0));
    expect(ends.slice(0, -1).every((end) => end === -1)).toBe(true);
    expect(ends.at(-1)).toBe(1);
    expect(scanner.statusCode).toBe(101);
  });

  it('returns the index just past the head when frames follow in the same chunk', () => {
    const chunk = Buffer.concat([Buffer.from(RESPONSE), Buffer.of(0x81, 0x00)]);
    expect(new HttpHeadScanner().scan(chunk, 0)).toBe(RESPONSE.length);
  });

  it('is not fooled by a lone CR inside the terminator', () => {
    const chunk = Buffer.from('GET / HTTP/1.1\r\nA: b\r\n\r\r\n\r\nrest');
    const scanner = new HttpHeadScanner();
    expect(scanner.scan(chunk, 0)).toBe(chunk.indexOf('rest'));
    expect(scanner.statusCode).toBeUndefined();
  });

  it('reads the status of a refused upgrade', () => {
    const scanner = new HttpHeadScanner();
    scanner.scan(Buffer.from('HTTP/1.1 401 Unauthorized\r\n\r\n'), 0);
    expect(scanner.statusCode).toBe(401);
  });
});
