// node-gyp-build ships no types; proctop uses only its resolver.
declare module 'node-gyp-build' {
  /** Loads the addon found for `dir` (see path). */
  function load(dir: string): unknown;
  namespace load {
    /** The .node file to load for this platform, arch, libc and runtime: build/Release, build/Debug, then prebuilds/<platform>-<arch>/; throws when none fits. */
    function path(dir: string): string;
  }
  export default load;
}
