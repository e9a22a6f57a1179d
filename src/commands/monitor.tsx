import React from 'react';
import { render, Text } from 'ink';

// PLACEHOLDER: replaced by the TUI issue (interactive and --watch modes).
export async function main(_argv: readonly string[]): Promise<number> {
  const app = render(<Text>proctop</Text>);
  app.unmount();
  return 0;
}
