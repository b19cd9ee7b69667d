import { describe, expect, it } from 'vitest';
import { redact, redactDeep } from '../../../src/util/redact.js';

describe('redact', () => {
  it('hides passwords in URLs of any scheme, keeping user and host', () => {
    expect(redact('postgres://app:s3cr3t@db:5432/shop')).toBe('postgres://app:***@db:5432/shop');
    expect(redact('rediss://default:hunter22@cache:6380')).toBe('rediss://default:***@cache:6380');
    expect(redact('connect to postgresql://u:p%40ss@h/d failed')).toBe('connect to postgresql://u:***@h/d failed');
  });

  it('hides key=value secrets, bearer tokens and given literals', () => {
    expect(redact('password=abc123 host=x')).toBe('password=*** host=x');
    expect(redact('Authorization: Bearer abcdefghijkl123')).toContain('***');
    expect(redact('token is tok_live_9999', ['tok_live_9999'])).toBe('token is ***');
  });

  it('walks nested report data', () => {
    const out = redactDeep({ a: ['postgres://u:pw123@h/d'], b: { c: 'x-pw123-y' } }, ['pw123']);
    expect(out).toEqual({ a: ['postgres://u:***@h/d'], b: { c: 'x-***-y' } });
  });
});
