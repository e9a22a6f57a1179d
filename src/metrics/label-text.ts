/**
 * A label value from untrusted text (process and user names). The exposition format itself only
 * needs \, " and newline escaped, which prom-client does; but label values end up in terminals
 * (curl, `proctop metrics`, promtool output), so control characters are spelled out visibly
 * (\n, \t, \xHH, \u{...}) as on every other human-facing edge, and text that is not valid Unicode
 * (a lone surrogate, which for...of yields alone) becomes U+FFFD. Invalid UTF-8 in /proc already arrives as U+FFFD from both
 * backends. Two names that read the same after this land in one group: summed, never dropped.
 */
export function labelText(raw: string): string {
  // Fast path: most names are printable ASCII.
  if (/^[\x20-\x7e]*$/.test(raw)) return raw;
  let out = '';
  for (const ch of raw) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) out += '\ufffd';
    else if (code === 0x0a) out += '\\n';
    else if (code === 0x09) out += '\\t';
    else if (code === 0x0d) out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0x80 && code < 0xa0) out += `\\u{${code.toString(16)}}`;
    else out += ch;
  }
  return out;
}
