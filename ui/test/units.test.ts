import { describe, expect, it, vi } from 'vitest';
import { IdleTimer } from '../src/idle';
import { padJson, refitStrokes } from '../src/pad';
import en from '../src/messages/en.json';
import cy from '../src/messages/cy.json';
import { destinationName, errorText, problemText, removedReasonText, roleName, setLang, t } from '../src/i18n';

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
  const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

  it('English and Welsh have the same keys, with the same placeholders', () => {
    expect(Object.keys(cy).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      const welsh = (cy as Record<string, string>)[key];
      expect(welsh.trim(), key).not.toBe('');
      expect(holes(welsh), key).toEqual(holes(text));
    }
  });

  it('every key the UI code names exists (tsc checks English; this also covers Welsh)', () => {
    const sources = import.meta.glob<string>('../src/**/*.ts', { query: '?raw', import: 'default', eager: true });
    const used = new Set<string>();
    for (const source of Object.values(sources)) {
      for (const m of source.matchAll(/\bt\(\s*'([^']+)'/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(50);
    const missing = [...used].filter((key) => !(key in en) || !(key in cy));
    expect(missing).toEqual([]);
  });

  it('fills placeholders and translates roles', () => {
    setLang('cy');
    expect(t('confirmation.thanks', { name: 'Siân' })).toBe('Diolch, Siân');
    expect(roleName('governor')).toBe('Llywodraethwr');
    expect(roleName('supply_teacher')).toBe('Supply teacher');
    setLang('en');
  });

  it('shows every refusal from its code, in either language, with its parameters', () => {
    setLang('cy');
    expect(errorText({ code: 'signature_dot', message: 'That looks like a dot' })).toMatch(/dot yn hytrach na llofnod/);
    expect(errorText({ code: 'database', message: 'database error while saving' })).toMatch(/^Rhoddodd cronfa ddata'r ciosg wall/);
    expect(errorText({ code: 'pin_wrong', message: 'wrong PIN; 2 more tries', params: { attempts_left: '2' } })).toBe(
      "PIN anghywir. Cynigion sy'n weddill cyn i'r ardal weinyddu gloi am ychydig: 2.");
    // An office refusal names the office's code, so the admin reads what to do about it.
    expect(errorText({ code: 'office.pairing_code_expired', message: 'the code expired' })).toMatch(/wedi dod i ben.*signbook-office pair/);
    // A code this UI does not know yet: the general text, with the English detail.
    expect(errorText({ code: 'brand_new', message: 'something new' })).toBe(`${cy['error.generic']} (something new)`);
    expect(errorText({ code: 'office.brand_new', message: 'the office said no' })).toBe(`${cy['error.office_refused']} (the office said no)`);
    setLang('en');
    expect(errorText({ code: 'pin_locked', message: 'too many wrong PINs', params: { seconds: '300' } })).toBe(
      'Too many wrong PINs: the admin area is locked. Try again in 300 seconds.');
    expect(errorText({ code: 'brand_new', message: 'something new' })).toBe('something new');
  });

  it('translates the labels the core sends as codes', () => {
    setLang('cy');
    expect(destinationName({ code: 'usb_drive', name: 'KINGSTON' })).toBe('gyriant USB KINGSTON');
    expect(t('admin.export.to', { label: destinationName({ code: 'exports_folder' }) })).toBe("Allforio i'r ffolder allforio");
    expect(problemText({ kind: 'hash_mismatch', stored: 'a', computed: 'b' })).toMatch(/stwnsh/);
    expect(removedReasonText('page_number')).toBe('Rhif tudalen');
    setLang('en');
    expect(destinationName({ code: 'usb_drive', name: 'KINGSTON' })).toBe('USB drive KINGSTON');
    expect(problemText({ kind: 'missing', found: 4 })).toBe('records before it are missing');
    expect(removedReasonText('signature_block')).toMatch(/^Paper signature block/);
  });
});
