// The man page (`man proctop`), written in roff from the same texts `proctop help` prints: the
// overview, the monitor's usage and every command's usage, so the page and the help never drift.
// The build writes it to dist/proctop.1 (package.json "man").
import { helpSections } from '../keys/bindings.js';
import { COMMANDS, MONITOR_COMMAND } from './command-table.js';
import { proctopVersion } from './version.js';

/** Text made safe for roff: backslashes, hyphens (so flags copy-paste as ASCII) and leading dots or quotes. */
export function roffEscape(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/, '\\&$1'))
    .join('\n');
}

/** A usage text as a preformatted block (no filling, no hyphenation). */
function block(usage: string): string {
  return `.nf\n${roffEscape(usage.trimEnd())}\n.fi`;
}

/** The monitor's keys, from the key table the help overlay is generated from. */
function keysSection(): string {
  return helpSections()
    .map((section) => `.PP\n.B ${roffEscape(section.title)}\n${section.lines.map((line) => `.TP\n.B ${roffEscape(line.keys)}\n${roffEscape(line.description)}`).join('\n')}`)
    .join('\n');
}

/** The whole page. */
export async function manPage(): Promise<string> {
  const [monitor, ...commands] = await Promise.all([MONITOR_COMMAND.load(), ...COMMANDS.map((c) => c.load())]);
  const sections = COMMANDS.map((spec, i) => `.SS ${roffEscape(spec.name)}\n${roffEscape(spec.summary)}\n.PP\n${block(commands[i]?.usage ?? '')}`);
  return `.TH PROCTOP 1 "" "proctop ${proctopVersion()}" "User Commands"
.SH NAME
proctop \\- ${roffEscape(MONITOR_COMMAND.summary)}
.SH SYNOPSIS
.nf
${roffEscape(`proctop [--interval DUR] [--sort COL] [--filter TEXT] [--user NAME] [--tree] [--no-color] [--no-mouse]
proctop --watch [--iterations N] [same options]
${COMMANDS.map((c) => `proctop ${c.name} ...`).join('\n')}`)}
.fi
.SH DESCRIPTION
A terminal process monitor for triaging a busy Linux box over SSH: what burns CPU and memory,
a process's open files (sockets resolved to addresses, pipes to the process at the other end),
and identity\\-safe actions on processes. Every subcommand prints JSON when its output is not a
terminal and a table on one (\\fB\\-\\-json\\fR / \\fB\\-\\-table\\fR to choose).
.SH MONITOR
${block(monitor?.usage ?? '')}
.SS Keys
The key table the monitor's help (\\fB?\\fR) shows; in \\fB\\-\\-watch\\fR, keys that act on processes only answer "read\\-only".
${keysSection()}
.SS Mouse
A click on a row moves the cursor there, a click on a column title sorts by it (again: inverts),
the wheel moves three rows in the list on top. \\fB\\-\\-no\\-mouse\\fR or \\fB"mouse": false\\fR in the config file leave the mouse to the terminal.
.SH COMMANDS
${sections.join('\n')}
.SH FILES
.TP
.I $XDG_CONFIG_HOME/proctop/config.json
Settings (default \\fI~/.config/proctop/config.json\\fR); see \\fBproctop config \\-\\-help\\fR.
.TP
.I $XDG_STATE_HOME/proctop/actions.jsonl
Audit log of every signal, tree termination and renice (default \\fI~/.local/state/proctop/\\fR).
.TP
.I $XDG_CACHE_HOME/proctop/code\\-*.bin
V8's compiled code of proctop's main script, made by the monitor after its first frame and read at
the next start (default \\fI~/.cache/proctop/\\fR); safe to delete.
.SH ENVIRONMENT
.TP
.B PROCTOP_BACKEND
\\fBnative\\fR or \\fBjs\\fR forces a backend (default: the native addon, else the JavaScript fallback).
.TP
.B PROCTOP_READER
\\fBprocess\\fR (default): the native backend reads in \\fBproctop\\-reader\\fR, a child process in a
session of its own beside the addon, so the reads' CPU time is not charged to the monitor's
scheduling group; \\fBthread\\fR reads on a thread of proctop's own process.
.TP
.B PROCTOP_CODE_CACHE
\\fBoff\\fR neither reads nor writes that code cache.
.TP
.B NO_COLOR
Disables colours when set and not empty.
.SH EXIT STATUS
0 success, 1 partial or runtime failure, 2 invalid input (one line on stderr naming the problem; nothing is changed).
`;
}
