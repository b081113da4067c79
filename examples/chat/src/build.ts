import { buildPage } from './page.js';

const { file, bytes } = await buildPage();
console.log(`built ${file} (${(bytes / 1024).toFixed(1)} KiB)`);
