/**
 * What the browser examples (chat, cursors) share, so that each keeps only what is its own: the
 * page's entry and the tests of its behaviour.
 */

export { launchChromium } from './chromium.js';
export { type BuiltPage, bundlePage, NODE_ONLY, nodeOnlyInputs, type PageOptions } from './page.js';
