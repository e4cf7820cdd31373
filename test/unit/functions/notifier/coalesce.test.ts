/**
 * Bursts of plan changes become one message: a change is held back when the plan changed again
 * within the burst, and the last change of a burst, or a deletion, is told.
 */
import { describe, expect, it } from 'vitest';
import { coalesced } from '../../../../functions/notifier/coalesce.ts';

const AT = '2027-09-01T10:00:00.000Z';
const later = (seconds: number) => new Date(Date.parse(AT) + seconds * 1000).toISOString();
const paused = { change: 'PAUSED', version: 4, changedAt: AT };

describe('coalesced', () => {
  it('tells the last change of a burst: the plan is still at its version', () => {
    expect(coalesced(paused, { version: 4, updatedAt: AT }, 60)).toBe(false);
  });

  it('holds back a change followed by another within coalesceSeconds', () => {
    expect(coalesced(paused, { version: 5, updatedAt: later(60) }, 60)).toBe(true);
  });

  it('tells a change whose next change came later than coalesceSeconds after it', () => {
    expect(coalesced(paused, { version: 5, updatedAt: later(61) }, 60)).toBe(false);
  });

  it('holds back every change of a long burst of quick changes', () => {
    // 300 changes, one every 2 s: ten minutes in all, far past one coalesceSeconds.
    expect(coalesced(paused, { version: 304, updatedAt: later(600) }, 60)).toBe(true);
  });

  it('holds back a change when the plan was deleted since: the deletion is told', () => {
    expect(coalesced(paused, undefined, 60)).toBe(true);
  });

  it('always tells a deletion', () => {
    expect(coalesced({ change: 'DELETED', version: 9, changedAt: AT }, undefined, 60)).toBe(false);
  });

  it('coalesces nothing when coalesceSeconds is 0 and the changes are apart', () => {
    expect(coalesced(paused, { version: 5, updatedAt: later(1) }, 0)).toBe(false);
  });
});
