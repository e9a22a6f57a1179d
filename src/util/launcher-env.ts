// The shipped dist/cli.js is a shell launcher (scripts/esbuild-options.mjs LAUNCHER_HEADER) that
// sets a few variables meant for proctop's own node process only (MALLOC_ARENA_MAX) and names them
// in PROCTOP_LAUNCHER_ENV. proctop removes them at start, so the programs it starts (`track run`)
// get the environment the user gave proctop.

/** Removes the variables the launcher set (and its list) from `env`; a user's own setting is never listed. */
export function dropLauncherEnv(env: NodeJS.ProcessEnv): void {
  const names = env.PROCTOP_LAUNCHER_ENV;
  if (names === undefined) return;
  for (const name of names.split(',')) if (name !== '') delete env[name];
  delete env.PROCTOP_LAUNCHER_ENV;
}
