// Decodes the signal binding's columns (native/signal_binding.cc) into a SignalDelivery.
import { numberColumn, textColumn, type PackedColumns } from './native-columns.js';
import type { DeliveryOutcome, SignalDelivery } from './types.js';

const OUTCOMES: ReadonlySet<string> = new Set<DeliveryOutcome>(['sent', 'exited', 'reused', 'permission', 'error']);

/** { delivery: [viaPidfd], outcome: [outcome, error or ''], warnings: [...] } → SignalDelivery. */
export function unpackSignalDelivery(packed: PackedColumns): SignalDelivery {
  const [outcome = '', error = ''] = textColumn(packed, 'outcome');
  if (!OUTCOMES.has(outcome)) throw new Error(`native addon: unknown signal outcome "${outcome}"`);
  return {
    outcome: outcome as DeliveryOutcome,
    error: error === '' ? null : error,
    viaPidfd: numberColumn(packed, 'delivery')[0] === 1,
    warnings: textColumn(packed, 'warnings'),
  };
}
