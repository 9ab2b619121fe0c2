import { describe, expect, it, vi } from 'vitest';
import { IdleTimer } from '../src/idle';
import { padJson, refitStrokes } from '../src/pad';
import en from '../src/messages/en.json';
import cy from '../src/messages/cy.json';
import { errorText, roleName, setLang, t } from '../src/i18n';

describe('idle timer', () => {
  it('fires once after the timeout, and every touch restarts the count', () => {
    vi.useFakeTimers();
    const onIdle = vi.fn();
    const idle = new IdleTimer(60_000, onIdle);
    idle.poke();
    vi.advanceTimersByTime(59_000);
    idle.poke();
    vi.advanceTimersByTime(59_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    idle.poke();
    idle.stop();
    vi.advanceTimersByTime(120_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.useRealTimers();
  });
});

describe('signature pad geometry', () => {
  const group = { penColor: 'black', dotSize: 0, minWidth: 1, maxWidth: 3, velocityFilterWeight: 0.7, compositeOperation: 'source-over' as const };
  it('a resize keeps each point at the same place on the pad', () => {
    const data = [{ ...group, points: [{ x: 100, y: 50, time: 1, pressure: 0.5 }] }];
    const scaled = refitStrokes(data, { width: 600, height: 240 }, { width: 300, height: 120 });
    expect(scaled[0].points[0]).toMatchObject({ x: 50, y: 25 });
    expect(data[0].points[0].x).toBe(100);
  });
  it('a rotation to portrait keeps the signature’s shape, centred on the taller pad', () => {
    // Corners of a landscape pad, then the pad turns 800 wide x 900 tall.
    const data = [{ ...group, points: [{ x: 0, y: 0, time: 1, pressure: 0.5 }, { x: 1000, y: 300, time: 2, pressure: 0.5 }] }];
    const [a, b] = refitStrokes(data, { width: 1000, height: 300 }, { width: 800, height: 900 })[0].points;
    expect(a).toMatchObject({ x: 0, y: 330 });
    expect(b).toMatchObject({ x: 800, y: 570 });
    expect((b.x - a.x) / (b.y - a.y)).toBeCloseTo(1000 / 300);
  });
  it('sends only positions in pad units: no time, no pressure', () => {
    const data = [{ ...group, points: [{ x: 1.23456, y: 2, time: 99, pressure: 0.4 }] }];
    expect(padJson(data, { width: 600, height: 240 })).toEqual({ width: 600, height: 240, strokes: [[{ x: 1.23, y: 2 }]] });
  });
});

describe('messages', () => {
  it('Welsh has every English message, with the same placeholders', () => {
    for (const [key, text] of Object.entries(en)) {
      const welsh = (cy as Record<string, string>)[key];
      expect(welsh, key).toBeTruthy();
      const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(holes(welsh), key).toEqual(holes(text));
    }
  });
  it('fills placeholders and translates roles and refusals', () => {
    setLang('cy');
    expect(t('confirmation.thanks', { name: 'Siân' })).toBe('Diolch, Siân');
    expect(roleName('governor')).toBe('Llywodraethwr');
    expect(roleName('supply_teacher')).toBe('Supply teacher');
    expect(errorText({ code: 'signature_dot', message: 'That looks like a dot' })).toMatch(/dot yn hytrach na llofnod/);
    expect(errorText({ code: 'database', message: 'disk full' })).toMatch(/Gofynnwch yn y dderbynfa.*disk full/);
    // Pairing errors an admin meets are in Welsh too, not the English fallback.
    expect(errorText({ code: 'fingerprint_mismatch', message: 'the certificate does not match' })).toMatch(/olion bysedd/);
    setLang('en');
    expect(errorText({ code: 'signature_dot', message: 'That looks like a dot rather than a signature.' })).toBe('That looks like a dot rather than a signature.');
  });
});
