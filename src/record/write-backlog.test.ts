import { describe, expect, it } from 'vitest';
import { GlobalBacklog } from './write-backlog.js';

describe('write backlog', () => {
  it('pauses a push above its high mark and lets it go on below its low mark', () => {
    const global = new GlobalBacklog({ high: 1000, low: 500 });
    const changes: boolean[] = [];
    const s = global.stream({ high: 100, low: 20 }, (paused) => changes.push(paused));
    s.change(100);
    expect(s.isPaused).toBe(false);
    s.change(1);
    expect(changes).toEqual([true]);
    s.change(-60); // 41: still above the low mark
    expect(s.isPaused).toBe(true);
    s.change(-30); // 11
    expect(changes).toEqual([true, false]);
    expect(global.pendingBytes).toBe(11);
  });

  it('pauses every push with bytes waiting while the total is over its high mark, until it is under its low mark', () => {
    const global = new GlobalBacklog({ high: 250, low: 100 });
    const a: boolean[] = [];
    const b: boolean[] = [];
    const idle: boolean[] = [];
    const sa = global.stream({ high: 200, low: 50 }, (p) => a.push(p));
    const sb = global.stream({ high: 200, low: 50 }, (p) => b.push(p));
    global.stream({ high: 200, low: 50 }, (p) => idle.push(p));
    sa.change(150);
    sb.change(150); // total 300 > 250: both wait, although each is under its own mark
    expect([a, b, idle]).toEqual([[true], [true], []]);
    sa.change(-150); // total 150: still over the low mark
    expect(sb.isPaused).toBe(true);
    sb.change(-60); // total 90
    expect([a, b]).toEqual([
      [true, false],
      [true, false],
    ]);
  });

  it('lets a paused push go when its recording closes', () => {
    const global = new GlobalBacklog({ high: 10, low: 5 });
    const changes: boolean[] = [];
    const s = global.stream({ high: 100, low: 20 }, (p) => changes.push(p));
    s.change(50);
    s.close();
    expect(changes).toEqual([true, false]);
  });
});
