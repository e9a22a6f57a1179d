// Turns one esbuild ES-module bundle into a classic script: a single async function expression
// that src/util/main-script.ts compiles with node:vm, so V8 can use a code cache for it (Node 20
// has no code cache for ES modules: each start parses and compiles them again).
// The bundle must import nothing statically (scripts/cli-bundle.mjs bundles Node's built-ins as
// modules that call the script's require); its import.meta and dynamic import() become the
// function's parameters, and its one export list its return value. Anything else fails the
// build: a script that silently lost an import would fail only when run.
import { init, parse } from 'es-module-lexer';

/** The wrapped script's parameters, in order (main-script.ts passes them). */
export const SCRIPT_PARAMETERS = ['require', '__proctopBuiltin', '__proctopImport', '__proctopImportMeta', '__proctopFilename', '__proctopShared'];

/** The script text for ES-module `source` (an async function expression: the bundle may await at its top level). */
export async function wrapModuleAsScript(source) {
  await init;
  const text = source.startsWith('#!') ? source.slice(source.indexOf('\n') + 1) : source;
  const [imports] = parse(text);
  let body = '';
  let last = 0;
  for (const entry of imports) {
    if (entry.d === -1) throw new Error(`proctop build: the main script may not import statically: ${text.slice(entry.ss, entry.se)}`);
    if (entry.d === -2) {
      // import.meta
      body += text.slice(last, entry.ss) + '__proctopImportMeta';
      last = entry.se;
    } else {
      // import(...): the keyword becomes the loader's import function
      body += text.slice(last, entry.ss) + '__proctopImport';
      last = entry.ss + 'import'.length;
    }
  }
  body += text.slice(last);
  // The one export list esbuild writes last (built without legal comments, so nothing follows it).
  const exportList = /export\s*\{([^}]*)\}\s*;?\s*$/.exec(body);
  let result = '';
  if (exportList) {
    const members = exportList[1]
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '')
      .map((name) => {
        const alias = /^([\w$]+)\s+as\s+([\w$]+)$/.exec(name);
        if (!alias && !/^[\w$]+$/.test(name)) throw new Error(`proctop build: cannot read the export ${JSON.stringify(name)}`);
        return alias ? `${JSON.stringify(alias[2])}:${alias[1]}` : name;
      });
    body = body.slice(0, exportList.index);
    result = `return{${members.join(',')}};`;
  }
  const script = `(async function(${SCRIPT_PARAMETERS.join(',')}){'use strict';\n${body}\n${result}})`;
  // What is left must be a script: no import or export statement, no import.meta.
  const [left, exportsLeft] = parse(script);
  const stray = left.find((entry) => entry.d === -1 || entry.d === -2);
  if (stray || exportsLeft.length > 0) {
    throw new Error(`proctop build: the main script still has module syntax: ${stray ? script.slice(stray.ss, stray.se) : exportsLeft.map((e) => e.n).join(', ')}`);
  }
  return script;
}
