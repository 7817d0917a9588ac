import { describe, expect, it } from 'vitest';
import { completeUtf8Length } from './executor-logs.ts';

describe('completeUtf8Length', () => {
  it('never cuts a character: every prefix keeps only whole characters, and reading on from there loses nothing', () => {
    const text = 'a é € 😀 z';
    const bytes = Buffer.from(text, 'utf8');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const keep = completeUtf8Length(bytes.subarray(0, cut));
      expect(keep).toBeLessThanOrEqual(cut);
      expect(cut - keep).toBeLessThan(4);
      const head = bytes.subarray(0, keep).toString('utf8');
      expect(head).not.toContain('\ufffd');
      expect(head + bytes.subarray(keep).toString('utf8')).toBe(text);
    }
  });
});
