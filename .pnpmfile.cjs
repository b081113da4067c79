// Hooks pnpm runs in this workspace.

/**
 * The packed package.json has no `imports` map: inside the workspace `#websocket` (the client)
 * resolves to a source file by platform, and tsup resolves it the same way at build time, so the
 * published dist/ never names it and the map would point at files the tarball does not ship.
 * scripts/pack-check.mjs fails when a built file still imports a `#` specifier.
 */
function beforePacking(pkg) {
  delete pkg.imports;
  return pkg;
}

module.exports = { hooks: { beforePacking } };
