// Colour decisions need a colour-capable chalk: force it before Ink loads (imports are dynamic).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReactElement } from 'react';

process.env.FORCE_COLOR = '1';

type RenderFn = (tree: ReactElement) => { lastFrame(): string | undefined; unmount(): void };
let renderApp: RenderFn;
let mod: {
  MonitorApp: typeof import('../src/components/MonitorApp.js').MonitorApp;
  createMonitorStore: typeof import('../src/store/monitor-store.js').createMonitorStore;
  frames: typeof import('./helpers/synthetic-frames.js');
  React: typeof import('react');
};

beforeAll(async () => {
  renderApp = (await import('ink-testing-library')).render as unknown as RenderFn;
  mod = {
    MonitorApp: (await import('../src/components/MonitorApp.js')).MonitorApp,
    createMonitorStore: (await import('../src/store/monitor-store.js')).createMonitorStore,
    frames: await import('./helpers/synthetic-frames.js'),
    React: (await import('react')).default,
  };
});

afterAll(() => {
  delete process.env.FORCE_COLOR;
});

async function frameText(color: boolean): Promise<string> {
  const store = mod.createMonitorStore({ columns: 100, rows: 30, color });
  store.getState().ingest(mod.frames.syntheticFrame(mod.frames.syntheticPopulation(20)));
  const app = renderApp(mod.React.createElement(mod.MonitorApp, { store }));
  await new Promise((r) => setTimeout(r, 30));
  const text = app.lastFrame() ?? '';
  app.unmount();
  return text;
}

// SGR parameters used in a frame: 7 = inverse, 30-37/40-47/90-97 = colours.
function sgrCodes(text: string): Set<number> {
  const codes = new Set<number>();
  for (const m of text.matchAll(/\x1b\[([\d;]*)m/g)) for (const c of (m[1] ?? '').split(';')) if (c !== '') codes.add(Number(c));
  return codes;
}

const isColour = (c: number) => (c >= 30 && c <= 37) || (c >= 40 && c <= 47) || (c >= 90 && c <= 97) || (c >= 100 && c <= 107);

describe('colour (NO_COLOR / --no-color)', () => {
  it('draws with colours by default', async () => {
    expect([...sgrCodes(await frameText(true))].some(isColour)).toBe(true);
  });

  it('uses no colour at all without it, and shows the cursor and title in inverse video', async () => {
    const codes = sgrCodes(await frameText(false));
    expect([...codes].filter(isColour)).toEqual([]);
    expect(codes.has(7)).toBe(true);
  });
});
