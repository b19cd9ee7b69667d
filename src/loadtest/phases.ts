// The open model's schedule: phases of constant or linearly changing rate ("10s:0->200,60s:200,10s:200->0")
// and the planned send time of every request, evenly spaced (the k-th request is sent when the integral
// of the rate reaches k). Pure.
import { parseDuration } from '../util/units.js';

export interface Phase {
  durationMs: number;
  from: number;
  to: number;
}

/** "10s:0->200,60s:200,10s:200->0" → phases; throws a message naming the bad part. */
export function parsePhases(text: string): Phase[] {
  const phases: Phase[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    const m = /^([^:]+):\s*(\d+(?:\.\d+)?)\s*(?:->\s*(\d+(?:\.\d+)?))?$/.exec(part);
    if (!m) throw new Error(`'${part}' is not <duration>:<rate> or <duration>:<from>-><to>`);
    const durationMs = parseDuration(m[1].trim());
    if (durationMs === undefined || durationMs <= 0) throw new Error(`'${m[1].trim()}' in '${part}' is not a positive duration`);
    const from = Number(m[2]);
    const to = m[3] !== undefined ? Number(m[3]) : from;
    phases.push({ durationMs, from, to });
  }
  if (!phases.some((p) => p.from > 0 || p.to > 0)) throw new Error('every phase has rate 0: nothing would be sent');
  return phases;
}

export const totalMs = (phases: Phase[]): number => phases.reduce((s, p) => s + p.durationMs, 0);

/** Requests the phases plan in all. */
export function plannedCount(phases: Phase[]): number {
  return Math.floor(phases.reduce((s, p) => s + ((p.from + p.to) / 2) * (p.durationMs / 1000), 0) + 1e-9);
}

/** Scales every rate (a shard takes 1/N of the load). */
export function scalePhases(phases: Phase[], factor: number): Phase[] {
  return phases.map((p) => ({ ...p, from: p.from * factor, to: p.to * factor }));
}

/** Planned send times in ms from the start, in order. Within a phase of rate r(t) = a + (b − a)·t/T the
 *  count sent by t is a·t + (b − a)·t²/(2T); the k-th request goes where that reaches k. */
export function* plannedTimes(phases: Phase[]): Generator<number> {
  let offsetMs = 0;
  let carried = 0; // requests (fractional) planned before this phase
  let k = 1;
  for (const p of phases) {
    const T = p.durationMs / 1000;
    const a = p.from;
    const b = p.to;
    const inPhase = ((a + b) / 2) * T;
    while (k - carried <= inPhase + 1e-9) {
      const n = k - carried;
      let t: number;
      if (Math.abs(b - a) < 1e-12) t = n / a;
      else {
        // (b − a)/(2T)·t² + a·t − n = 0
        const A = (b - a) / (2 * T);
        const disc = a * a + 4 * A * n;
        t = (-a + Math.sqrt(Math.max(0, disc))) / (2 * A);
      }
      yield offsetMs + Math.min(T, Math.max(0, t)) * 1000;
      k++;
    }
    carried += inPhase;
    offsetMs += p.durationMs;
  }
}
