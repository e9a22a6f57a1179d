import type { Snapshot } from '../types.js';

// PLACEHOLDER owned by the sampling-engine work (issue 2): replace with the real /proc reader.
export class JsSnapshotReader {
  constructor(private readonly procRoot: string) {}
  async snapshot(): Promise<Snapshot> {
    throw new Error(`JsSnapshotReader(${this.procRoot}) is not implemented yet`);
  }
}
