/**
 * Testing helpers of the Switchboard server (`@switchboard/server/testing`): a typed client of a
 * service over an in-process link, to unit-test handlers with no socket and no port. Needs
 * `@switchboard/client` installed beside the server.
 *
 * @module @switchboard/server/testing
 */

export { type MemoryLink, type MemoryRequest, memoryLink } from './memory-link.js';
export {
  createTestClient,
  DEFAULT_TEST_REQUEST,
  type TestClient,
  type TestClientControls,
  type TestClientOptions,
} from './test-client.js';
