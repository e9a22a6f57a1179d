import { writeStdout } from '../output/std-streams.js';

const USAGE = `proctop — terminal process monitor

Usage:
  proctop [--interval DUR] [--sort COL] [--filter TEXT] [--user NAME] [--tree] [--no-color]
  proctop --watch [--iterations N] [same options]   read-only monitor (tmux panes, pipes)
  proctop pstat [options]                           list processes (JSON or table)
  proctop fds --pid PID [--kind KIND]               open files of a process
  proctop inspect PID[:START] [--json] [--sha256]   everything about one process (bug reports)
  proctop ports [--all]                             which process listens on which port
  proctop kill PID[:START]... [-s SIG] [--json]     identity-safe multi-PID signal
  proctop kill -l                                   list signals
  proctop stop PID[:START]... [--ladder L] [--tree] graceful stop: TERM:5s,KILL:2s ladder
  proctop renice PID... (--nice N | --by ±N)        identity-checked renice
  proctop terminate-tree PID [options]              TERM→KILL a whole process tree
  proctop help                                      this text

Run "proctop COMMAND --help" for the options of a command.
`;

export async function main(_argv: readonly string[]): Promise<number> {
  writeStdout(USAGE);
  return 0;
}

export { USAGE };
