// When and how long to wait before trying a request again. Pure.
//
// Retried: network failures other than "no such host" and TLS, 429, and 5xx other than 501/505.
// Wait: the server's Retry-After (seconds or an HTTP date) when it sends one, else exponential backoff
// 250 ms · 2^(attempt-1), capped at 8 s, with "equal jitter" (half fixed, half random) so that many
// workers that failed together do not come back together. A Retry-After longer than MAX_RETRY_AFTER_MS
// is not waited for: the request is reported as failed, with the server's wish in the message.

export const BASE_BACKOFF_MS = 250;
export const MAX_BACKOFF_MS = 8_000;
export const MAX_RETRY_AFTER_MS = 30_000;

export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/** Delay before attempt `attempt + 1` (attempt counts from 1). `random` returns [0, 1). */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const d = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(d / 2 + random() * (d / 2));
}

