/**
 * Fault injection for the simulated teacher. A spec is a comma-separated list of `kind=rate`,
 * e.g. `429=0.04,500=0.03,malformed=0.03`; each request draws at most one fault.
 */
export const FAULT_KINDS = ['429', '500', 'hang', 'malformed', 'truncated', 'offlabel', 'duplicate'] as const;
export type FaultKind = typeof FAULT_KINDS[number];
export type FaultRates = Partial<Record<FaultKind, number>>;

export function parseFaultSpec(spec: string | undefined): FaultRates {
  const rates: FaultRates = {};
  if (!spec?.trim()) return rates;
  for (const part of spec.split(',')) {
    const [kind, value] = part.split(/[=:]/).map((s) => s.trim());
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) {
      throw new Error(`Unknown fault '${kind}' in '${spec}'. Known: ${FAULT_KINDS.join(', ')}.`);
    }
    const rate = Number(value);
    if (!Number.isFinite(rate) || rate < 0 || rate > 1) throw new Error(`The rate of fault '${kind}' must be a number in [0, 1], not '${value}'.`);
    rates[kind as FaultKind] = rate;
  }
  const total = Object.values(rates).reduce((a, b) => a + (b ?? 0), 0);
  if (total > 1) throw new Error(`Fault rates add up to ${total}, more than 1.`);
  return rates;
}

/** One fault for this request (or none), drawn with `random`. */
export function drawFault(rates: FaultRates, random: () => number): FaultKind | undefined {
  let r = random();
  for (const kind of FAULT_KINDS) {
    const p = rates[kind] ?? 0;
    if (r < p) return kind;
    r -= p;
  }
  return undefined;
}
