import type { AddressInfo } from 'node:net';

/** The port of a listening server's address; throws for pipe addresses or a closed server. */
export function tcpPort(address: AddressInfo | string | null): number {
  if (address === null || typeof address === 'string') throw new Error('expected a listening TCP address');
  return address.port;
}
