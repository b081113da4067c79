import { buildPage } from './build-page.js';

console.log(`built ${await buildPage()}`);
