// One connection flooding a server with calls, in its own process so that the flood's encoding
// does not slow the client being measured. Prints the FloodResult as JSON when done.
// Run: node --import tsx flood-process.ts <url> <ms>
import { flood } from './attacks.js';

const [url, ms] = process.argv.slice(2);
const result = await flood(url as string, Number(ms), () => process.stdout.write('started\n'));
process.stdout.write(`${JSON.stringify(result)}\n`);
