import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// Besides the index, `./define` (the contract and its tree: `defineContract`, `flattenProcedures`,
// `isProcedure`, `topicChannel`) and `./schema` (`validate`) are entries of their own: a browser
// client imports the first at start and the second only in the chunk of its handlers' runner,
// never the index, so that a bundler keeps `validate` out of what a page loads at start.
export default defineConfig(packageBuild(['src/index.ts', 'src/contract.ts', 'src/schema.ts']));
