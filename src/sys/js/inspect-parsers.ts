// Pure parsers for the files only `inspect` reads: limits, capability masks, smaps_rollup,
// namespace links, scheduling policies.
import { CAPABILITY_NAMES, type InspectCapabilities, type InspectMemory, type LimitRow } from '../inspect-types.js';
import { kbField, ussOf } from './proc-status.js';

// The kernel prints each row as "%-25s %-20s %-20s %-10s": the columns are fixed, names have spaces.
const LIMIT_SOFT_AT = 26;
const LIMIT_HARD_AT = 47;
const LIMIT_UNIT_AT = 68;

function limitValue(text: string): number | 'unlimited' | null {
  if (text === 'unlimited') return 'unlimited';
  return /^\d+$/.test(text) ? Number(text) : null;
}

/** /proc/PID/limits → rows (the header line is skipped; a row that does not parse is skipped). */
export function parseLimits(text: string): LimitRow[] {
  const rows: LimitRow[] = [];
  for (const line of text.split('\n').slice(1)) {
    if (line.trim() === '') continue;
    const name = line.slice(0, LIMIT_SOFT_AT).trim();
    const soft = limitValue(line.slice(LIMIT_SOFT_AT, LIMIT_HARD_AT).trim());
    const hard = limitValue(line.slice(LIMIT_HARD_AT, LIMIT_UNIT_AT).trim());
    if (name === '' || soft === null || hard === null) continue;
    rows.push({ name, soft, hard, unit: line.slice(LIMIT_UNIT_AT).trim() });
  }
  return rows;
}

/** A hex capability mask of status (CapEff: 000001ffffffffff) → the names of its set bits. */
export function capabilityNames(mask: string): string[] | null {
  if (!/^[0-9a-fA-F]{1,16}$/.test(mask)) return null;
  const bits = BigInt(`0x${mask}`);
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if ((bits >> BigInt(bit)) & 1n) names.push(CAPABILITY_NAMES[bit] ?? `CAP_${bit}`);
  }
  return names;
}

/** The five capability sets of status, or null when any is missing. */
export function capabilitiesFrom(fields: ReadonlyMap<string, string>): InspectCapabilities | null {
  const set = (key: string): string[] | null => capabilityNames(fields.get(key) ?? '');
  const effective = set('CapEff');
  const permitted = set('CapPrm');
  const bounding = set('CapBnd');
  const inheritable = set('CapInh');
  const ambient = set('CapAmb') ?? [];
  if (!effective || !permitted || !bounding || !inheritable) return null;
  return { effective, permitted, bounding, inheritable, ambient };
}

/** Seccomp: 0 disabled, 1 strict, 2 filter. */
export function seccompMode(text: string | undefined): 'disabled' | 'strict' | 'filter' | null {
  return text === '0' ? 'disabled' : text === '1' ? 'strict' : text === '2' ? 'filter' : null;
}

const POLICIES: Readonly<Record<number, string>> = {
  0: 'SCHED_OTHER',
  1: 'SCHED_FIFO',
  2: 'SCHED_RR',
  3: 'SCHED_BATCH',
  5: 'SCHED_IDLE',
  6: 'SCHED_DEADLINE',
};

/** stat field 41 → SCHED_* name. */
export function policyName(policy: number | null): string | null {
  if (policy === null || !Number.isInteger(policy)) return null;
  return POLICIES[policy] ?? `SCHED_${policy}`;
}

/** "net:[4026531833]" → 4026531833. */
export function namespaceInode(link: string): number | null {
  const match = /:\[(\d+)\]$/.exec(link);
  return match ? Number(match[1]) : null;
}

/** What smaps_rollup gives: USS (Private_Clean + Private_Dirty + Private_Hugetlb), PSS, swap. */
export function smapsFigures(fields: ReadonlyMap<string, string>): Pick<InspectMemory, 'ussBytes' | 'pssBytes' | 'swapBytes' | 'swapPssBytes'> & { rssBytes: number | null } {
  return {
    rssBytes: kbField(fields, 'Rss'),
    ussBytes: ussOf(fields),
    pssBytes: kbField(fields, 'Pss'),
    swapBytes: kbField(fields, 'Swap'),
    swapPssBytes: kbField(fields, 'SwapPss'),
  };
}
