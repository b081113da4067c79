#!/usr/bin/env node
// The `switchboard` bin inside the workspace, where the package is its TypeScript source: tsx
// loads it without a build. The published package's bin is dist/bin.js (publishConfig).
import { register } from 'tsx/esm/api';

register();
await import('../src/bin.ts');
