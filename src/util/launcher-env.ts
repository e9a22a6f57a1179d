// The shipped dist/cli.js is a shell launcher (scripts/esbuild-options.mjs LAUNCHER_HEADER) that
// changes proctop's own node's environment: it sets a few variables meant for that process only
// (MALLOC_ARENA_MAX...) and names them in PROCTOP_LAUNCHER_ENV, and it moves NODE_EXTRA_CA_CERTS
// aside (to PROCTOP_NODE_EXTRA_CA_CERTS) so that node does not parse certificates proctop never
// uses. proctop undoes both at start, so the programs it starts (`track run`) get the environment
// the user gave proctop.

/** Where the launcher keeps NODE_EXTRA_CA_CERTS (LAUNCHER_KEPT_CA_CERTS in scripts/esbuild-options.mjs). */
const KEPT_CA_CERTS = 'PROCTOP_NODE_EXTRA_CA_CERTS';

/**
 * Removes the variables the launcher set (and its list; a user's own setting is never listed) and
 * puts back the NODE_EXTRA_CA_CERTS it moved aside.
 */
export function restoreLauncherEnv(env: NodeJS.ProcessEnv): void {
  const names = env.PROCTOP_LAUNCHER_ENV;
  if (names !== undefined) {
    for (const name of names.split(',')) if (name !== '') delete env[name];
    delete env.PROCTOP_LAUNCHER_ENV;
  }
  const caCerts = env[KEPT_CA_CERTS];
  if (caCerts !== undefined) {
    env.NODE_EXTRA_CA_CERTS = caCerts;
    delete env[KEPT_CA_CERTS];
  }
}

/**
 * `env` without NODE_EXTRA_CA_CERTS, for the node helpers proctop starts (the freeze watchdog):
 * like proctop's own node, they make no TLS connection, and Node 20 would parse that file and the
 * whole root store before running them (~70 ms of CPU here).
 */
export function withoutExtraCaCerts(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _unused, ...rest } = env;
  return rest;
}
