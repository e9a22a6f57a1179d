import React from 'react';
import { Box, Text } from 'ink';
import { sanitizeText } from '../output/sanitize.js';
import { fit } from '../output/format.js';

/** One line of a dialog, fitted to the screen width by the caller. */
export interface DialogLine {
  readonly text: string;
  /** Drawn bold (titles). */
  readonly bold?: boolean;
  /** Drawn inverse (the picked signal). */
  readonly inverse?: boolean;
}

/**
 * Keeps the lines within `height`: the body is cut (its last line says how much is hidden) and
 * the footer, the keys, always stays on screen.
 */
export function fitLines(body: readonly DialogLine[], footer: DialogLine, height: number): DialogLine[] {
  if (height <= 1) return [footer].slice(0, Math.max(0, height));
  if (body.length + 1 <= height) return [...body, footer];
  const kept = body.slice(0, height - 2);
  return [...kept, { text: `… ${body.length - kept.length} more lines (enlarge the terminal)` }, footer];
}

/** Draws dialog lines in a column of the given height and width. */
export function DialogBox({ lines, height, width }: { readonly lines: readonly DialogLine[]; readonly height: number; readonly width: number }): React.JSX.Element {
  return (
    <Box flexDirection="column" height={height}>
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate" bold={line.bold} inverse={line.inverse}>
          {fit(sanitizeText(line.text), width) || ' '}
        </Text>
      ))}
    </Box>
  );
}
