import { describe, expect, it } from 'vitest';
import { commandFor, helpSections, KEY_BINDINGS, keyLabel, type Command, type CommandInfo, type KeyContext } from '../src/keys/bindings.js';
import { decodeKey, splitKeys } from '../src/keys/decode-key.js';
import { handleKey, READ_ONLY_MESSAGE } from '../src/keys/dispatch.js';
import { createMonitorStore, topView } from '../src/store/monitor-store.js';
import { syntheticFrame, syntheticRow } from './helpers/synthetic-frames.js';

const press = (seq: string) => decodeKey(seq);

describe('decodeKey', () => {
  it('names arrows, paging, F-keys in the common encodings, and control keys', () => {
    expect(press('\x1b[A').name).toBe('up');
    expect(press('\x1bOB').name).toBe('down');
    expect(press('\x1b[5~').name).toBe('pageup');
    expect(press('\x1b[6~').name).toBe('pagedown');
    expect(press('\x1b[1~').name).toBe('home');
    expect(press('\x1b[4~').name).toBe('end');
    expect(press('\x1bOP').name).toBe('f1');
    expect(press('\x1b[11~').name).toBe('f1');
    expect(press('\x1b[13~').name).toBe('f3');
    expect(press('\x1bOS').name).toBe('f4');
    expect(press('\x1b[15~').name).toBe('f5');
    expect(press('\x1b[17~').name).toBe('f6');
    expect(press('\x1b[20~').name).toBe('f9');
    expect(press('\x1b[21~').name).toBe('f10');
    expect(press('\x1b').name).toBe('escape');
    expect(press('\r').name).toBe('return');
    expect(press(' ').name).toBe('space');
    expect(press('\x7f').name).toBe('backspace');
    expect(press('\x03')).toEqual({ name: 'c', ctrl: true, sequence: '\x03' });
    expect(press('K')).toEqual({ name: 'K', ctrl: false, sequence: 'K' });
  });
});

describe('splitKeys', () => {
  it('splits a chunk that carries several keys (fast typing, paste, SSH batching)', () => {
    expect(splitKeys('N/')).toEqual(['N', '/']);
    expect(splitKeys('abc\r')).toEqual(['a', 'b', 'c', '\r']);
    expect(splitKeys('\x1b[B\x1b[B\x1b[20~')).toEqual(['\x1b[B', '\x1b[B', '\x1b[20~']);
    expect(splitKeys('\x1bOPq')).toEqual(['\x1bOP', 'q']);
    expect(splitKeys('\x1b[[Ax')).toEqual(['\x1b[[A', 'x']);
    expect(splitKeys('\x1b[1;5A')).toEqual(['\x1b[1;5A']);
    expect(splitKeys('\x1b')).toEqual(['\x1b']);
  });

  it('types every character of a pasted filter into the prompt', () => {
    const store = createMonitorStore({ mode: 'interactive', backend: 'js', intervalMs: 1000, columns: 120, rows: 40 });
    handleKey(decodeKey('/'), store);
    for (const key of splitKeys('sleep\r')) handleKey(decodeKey(key), store);
    expect(store.getState().input).toBeNull();
    expect(store.getState().filter).toBe('sleep');
  });
});

describe('key table', () => {
  it('binds each key to at most one command per context (Ctrl-C, the one global key, to nothing else)', () => {
    const seen = new Map<string, Command>();
    for (const command of Object.keys(KEY_BINDINGS) as Command[]) {
      const info: CommandInfo = KEY_BINDINGS[command];
      for (const b of info.bindings) {
        const id = `${b.ctrl ? 'ctrl+' : ''}${b.key}`;
        expect(seen.get(`${info.context}:${id}`), `${id} bound twice in ${info.context}`).toBeUndefined();
        seen.set(`${info.context}:${id}`, command);
      }
    }
    const interrupt = [...seen].filter(([id]) => id.endsWith(':ctrl+c')).map(([, command]) => command);
    expect(interrupt).toEqual(['INTERRUPT']);
  });

  it('follows the project decisions: k moves up, x/F9 kill, T terminates the tree, K hides kernel threads', () => {
    expect(commandFor(press('k'), 'list')).toBe('CURSOR_UP');
    expect(commandFor(press('j'), 'list')).toBe('CURSOR_DOWN');
    expect(commandFor(press('x'), 'list')).toBe('KILL');
    expect(commandFor(press('\x1b[20~'), 'list')).toBe('KILL');
    expect(commandFor(press('T'), 'list')).toBe('TERMINATE_TREE');
    expect(commandFor(press('K'), 'list')).toBe('HIDE_KERNEL_THREADS');
    expect(commandFor(press('t'), 'list')).toBe('TREE');
    expect(commandFor(press('\x1b[15~'), 'list')).toBe('TREE');
    expect(commandFor(press('\x1b[17~'), 'list')).toBe('SORT_NEXT');
    expect(commandFor(press('q'), 'list')).toBe('QUIT');
    expect(commandFor(press('\x03'), 'global')).toBe('INTERRUPT');
    expect(commandFor(press('c'), 'list')).toBe('SELECT_WITH_CHILDREN');
  });

  it('looks a key up in its context only: the same key means different commands in different views', () => {
    expect(commandFor(press('q'), 'dialog')).toBe('DIALOG_CANCEL');
    expect(commandFor(press('q'), 'history')).toBe('HISTORY_CLOSE');
    expect(commandFor(press('q'), 'files')).toBe('FDS_BACK');
    expect(commandFor(press('\r'), 'dialog')).toBe('DIALOG_CONFIRM');
    expect(commandFor(press('\r'), 'search')).toBe('INPUT_ACCEPT');
    expect(commandFor(press('s'), 'files')).toBe('FDS_KIND_SOCKET');
    expect(commandFor(press('s'), 'list')).toBeNull();
    expect(commandFor(press('x'), 'search')).toBeNull();
  });

  it('generates help for every context from the table: every command once, dialogs and prompts included', () => {
    const sections = helpSections();
    const lines = sections.flatMap((section) => section.lines);
    expect(lines).toHaveLength(Object.keys(KEY_BINDINGS).length);
    const contexts = new Set(sections.map((section) => section.context));
    expect([...contexts].sort()).toEqual((['dialog', 'details', 'files', 'columns', 'form', 'global', 'history', 'list', 'search', 'tracked'] satisfies KeyContext[]).sort());
    expect(sections.map((section) => section.title)).toEqual([
      'Navigate',
      'Find & sort',
      'View',
      'Select',
      'Act',
      'General',
      'Details view',
      'Open files view',
      'Column chooser (F2)',
      'Filter and search prompts (other keys type)',
      'Signal and tree dialogs',
      'Action history',
      'Tracked processes view',
      'Track form (Enter saves, Esc cancels, other keys type)',
      'Anywhere',
    ]);
    const kill = lines.find((l) => l.description.startsWith('send a signal'));
    expect(kill?.keys).toBe('F9 x');
    expect(kill?.mutating).toBe(true);
    expect(lines.find((l) => l.description.startsWith('send / terminate'))?.keys).toBe('Enter y');
    expect(keyLabel({ key: 'c', ctrl: true })).toBe('Ctrl-C');
  });
});

describe('dispatch', () => {
  const rows = [syntheticRow({ pid: 1, cpuPercent: 9 }), syntheticRow({ pid: 2, cpuPercent: 5 })];

  it('maps keys to store actions in the list', () => {
    const store = createMonitorStore({ rows: 30 });
    store.getState().ingest(syntheticFrame(rows));
    handleKey(press('j'), store);
    expect(store.getState().cursorIndex).toBe(1);
    handleKey(press('k'), store);
    expect(store.getState().cursorIndex).toBe(0);
    handleKey(press('N'), store);
    expect(store.getState().sortColumn).toBe('pid');
    handleKey(press('I'), store);
    expect(store.getState().descending).toBe(true);
    handleKey(press('\x1bOP'), store);
    expect(topView(store.getState())).toBe('help');
    handleKey(press('x'), store); // any key closes help, and does nothing else
    expect(topView(store.getState())).toBe('list');
    expect(store.getState().message).toBeNull();
    handleKey(press('\r'), store);
    expect(topView(store.getState())).toBe('detail');
    handleKey(press('\x1b'), store);
    expect(topView(store.getState())).toBe('list');
    handleKey(press('q'), store);
    expect(store.getState().quitRequested).toBe(true);
  });

  it('quits on Ctrl-C from the list, a prompt, an overlay and any view a feature plugs in', () => {
    const views = { fds: () => undefined, confirm: () => undefined };
    const cases: ((store: ReturnType<typeof createMonitorStore>) => void)[] = [
      () => undefined,
      (store) => handleKey(press('/'), store),
      (store) => store.getState().pushView('help'),
      (store) => store.getState().pushView('fds'),
      (store) => store.getState().pushView('confirm'),
    ];
    for (const setUp of cases) {
      const store = createMonitorStore({ rows: 30 });
      store.getState().ingest(syntheticFrame(rows));
      setUp(store);
      handleKey(press('\x03'), store, {}, views);
      expect(store.getState().quitRequested).toBe(true);
    }
  });

  it('sends typed text to the filter prompt, not to commands', () => {
    const store = createMonitorStore({ rows: 30 });
    store.getState().ingest(syntheticFrame(rows));
    handleKey(press('/'), store);
    for (const ch of 'q x') handleKey(press(ch), store);
    expect(store.getState().input?.text).toBe('q x');
    expect(store.getState().quitRequested).toBe(false);
    handleKey(press('\x1b[A'), store); // escape sequences never land in the filter
    expect(store.getState().filter).toBe('q x');
    handleKey(press('\x1b'), store);
    expect(store.getState().filter).toBe('');
    expect(store.getState().input).toBeNull();
  });

  it('answers every mutating key with "read-only (--watch)" in watch mode and changes nothing', () => {
    const store = createMonitorStore({ rows: 30, mode: 'watch' });
    store.getState().ingest(syntheticFrame(rows));
    for (const key of ['x', '\x1b[20~', 'T', ' ', 'c', '[', ']', '\x1b[18~', '\x1b[19~']) {
      store.setState({ message: null });
      handleKey(press(key), store);
      expect(store.getState().message?.text, `key ${JSON.stringify(key)}`).toBe(READ_ONLY_MESSAGE);
      expect(store.getState().selection.size).toBe(0);
      expect(topView(store.getState())).toBe('list');
    }
    handleKey(press('j'), store);
    expect(store.getState().cursorIndex).toBe(1);
  });

  it('says "not available here" for controller commands without a controller, and lets overrides take them', () => {
    const store = createMonitorStore({ rows: 30 });
    store.getState().ingest(syntheticFrame(rows));
    handleKey(press('x'), store);
    expect(store.getState().message?.text).toMatch(/not available here/);
    let opened = 0;
    handleKey(press('x'), store, { KILL: () => (opened += 1) });
    expect(opened).toBe(1);
  });
});
