// Timestamps as PostgreSQL prints them in logs (%t, %m, %n, csvlog log_time, jsonlog timestamp) → epoch ms.
// The zone is the abbreviation log_timezone prints: UTC/GMT, numeric offsets (+02, -0330, +05:30) and
// the common named abbreviations. An unknown abbreviation is read as UTC rather than dropped.

/** Minutes east of UTC for the abbreviations PostgreSQL's default timezone set prints most often. */
const ZONES: Record<string, number> = {
  UTC: 0, GMT: 0, UT: 0, Z: 0, WET: 0, WEST: 60, BST: 60, IST: 60, CET: 60, CEST: 120, MET: 60, MEST: 120,
  EET: 120, EEST: 180, MSK: 180, SAST: 120, CAT: 120, EAT: 180, WAT: 60,
  EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
  AKST: -540, AKDT: -480, HST: -600, AST: -240, ADT: -180, NST: -210, NDT: -150,
  JST: 540, KST: 540, HKT: 480, SGT: 480, AWST: 480, ACST: 570, ACDT: 630, AEST: 600, AEDT: 660,
  NZST: 720, NZDT: 780, PKT: 300, WIB: 420, PHT: 480,
};

/** Minutes east of UTC for a printed zone, or undefined when it is not one we know. */
export function zoneOffsetMinutes(zone: string): number | undefined {
  const c = zone.charCodeAt(0);
  if (c === 43 || c === 45) {
    // +HH, +HHMM, +HH:MM
    const digits = zone.slice(1).replace(':', '');
    if (!/^\d{2}(\d{2})?$/.test(digits)) return undefined;
    const minutes = Number(digits.slice(0, 2)) * 60 + (digits.length === 4 ? Number(digits.slice(2)) : 0);
    return c === 45 ? -minutes : minutes;
  }
  return ZONES[zone.toUpperCase()];
}

const digit = (s: string, i: number): number => s.charCodeAt(i) - 48;
const num2 = (s: string, i: number): number => digit(s, i) * 10 + digit(s, i + 1);

// Lines come in time order, so one cache of the last second (without its fraction) saves most of the work.
let lastText = '';
let lastZone = '';
let lastBase = NaN;

/** Same first 19 characters (the second) and same zone as the last time parsed, compared without allocating. */
function sameSecond(text: string, zoneStart: number): boolean {
  if (text.length - zoneStart !== lastZone.length || !text.endsWith(lastZone)) return false;
  for (let i = 18; i >= 0; i--) if (text.charCodeAt(i) !== lastText.charCodeAt(i)) return false;
  return true;
}

/**
 * "2024-03-01 12:34:56[.789] ZONE" → epoch ms; undefined when the text is not such a timestamp.
 * Also accepts "YYYY-MM-DDTHH:MM:SS" and no zone (read as UTC).
 */
export function parseLogTime(text: string): number | undefined {
  if (text.length < 19) return undefined;
  let fracEnd = 19;
  let ms = 0;
  if (text.charCodeAt(19) === 46) {
    fracEnd = 20;
    let scale = 100;
    while (fracEnd < text.length) {
      const d = digit(text, fracEnd);
      if (d < 0 || d > 9) break;
      ms += d * scale;
      scale /= 10;
      fracEnd++;
    }
  }
  const zoneStart = fracEnd < text.length ? fracEnd + 1 : text.length;
  if (!sameSecond(text, zoneStart)) {
    const y = num2(text, 0) * 100 + num2(text, 2);
    const base = Date.UTC(y, num2(text, 5) - 1, num2(text, 8), num2(text, 11), num2(text, 14), num2(text, 17));
    if (Number.isNaN(base) || text.charCodeAt(4) !== 45 || text.charCodeAt(13) !== 58) return undefined;
    const zone = text.slice(zoneStart);
    const offset = zone === '' ? 0 : (zoneOffsetMinutes(zone) ?? 0);
    lastText = text;
    lastZone = zone;
    lastBase = base - offset * 60_000;
  }
  return lastBase + Math.round(ms);
}

/** %n: "1700000000.123" (epoch seconds with milliseconds) → epoch ms. */
export function parseEpochSeconds(text: string): number | undefined {
  const n = Number(text);
  return Number.isFinite(n) ? Math.round(n * 1000) : undefined;
}
