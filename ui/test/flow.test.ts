import { describe, expect, it } from 'vitest';
import { Flow } from '../src/flow';
import { BLANK, FakeBackend, SIGNED } from './fake';

async function atNameScreen(role = 'visitor') {
  const backend = new FakeBackend();
  const flow = new Flow(backend);
  await flow.start();
  flow.begin();
  await flow.chooseRole(role);
  flow.readAndSign();
  flow.reachedEnd();
  flow.agree();
  return { backend, flow };
}

describe('the visitor flow', () => {
  it('goes welcome → role → agreement → name → signature → confirmation and submits what was read', async () => {
    const { backend, flow } = await atNameScreen('visitor');
    expect(flow.state.screen).toBe('name');
    flow.edit('name', '  Zoë   O’Brien ');
    flow.edit('organisation', 'Acme');
    await flow.submitName();
    expect(flow.state.screen).toBe('signature');
    await flow.submitSignature(SIGNED);
    expect(flow.state).toMatchObject({ screen: 'confirmation', receipt: { first_name: 'Zoë', reference: '7KQ2-M9XD' } });
    expect(backend.submissions).toEqual([
      { role: 'visitor', name: 'Zoë O’Brien', organisation: 'Acme', strokes_json: SIGNED, agreement_hash: 'hash-of-visitor' },
    ]);
  });

  it('keeps "I agree" shut until the end of the agreement is reached', async () => {
    const flow = new Flow(new FakeBackend());
    await flow.start();
    flow.begin();
    await flow.chooseRole('staff');
    flow.readAndSign();
    flow.agree();
    expect(flow.state).toMatchObject({ screen: 'agreement', readToEnd: false });
    flow.reachedEnd();
    flow.agree();
    expect(flow.state.screen).toBe('name');
  });

  it('does not open a role that has no agreement', async () => {
    const flow = new Flow(new FakeBackend());
    await flow.start();
    flow.begin();
    await flow.chooseRole('volunteer');
    expect(flow.state.screen).toBe('role');
  });

  it('sends no organisation for roles that are not asked for one', async () => {
    const { backend, flow } = await atNameScreen('staff');
    flow.edit('name', 'Ann Jones');
    flow.edit('organisation', 'left over');
    await flow.submitName();
    await flow.submitSignature(SIGNED);
    expect(backend.submissions[0].organisation).toBeNull();
  });

  it('stays on the name screen with the core’s refusal', async () => {
    const { flow } = await atNameScreen();
    await flow.submitName();
    expect(flow.state).toMatchObject({ screen: 'name', error: { code: 'name_empty' }, busy: false });
  });

  it('keeps the drawing screen and says why when the pad is blank, and stores nothing', async () => {
    const { backend, flow } = await atNameScreen();
    flow.edit('name', 'Ann');
    await flow.submitName();
    await flow.submitSignature(BLANK);
    expect(flow.state).toMatchObject({ screen: 'signature', error: { code: 'signature_empty' } });
    expect(backend.submissions).toHaveLength(0);
    flow.clearSignatureError();
    expect(flow.state).toMatchObject({ screen: 'signature', error: null });
  });

  it('asks everyone in a role that signs once per version the same question, before any name is typed', async () => {
    const flow = new Flow(new FakeBackend());
    await flow.start();
    flow.begin();
    await flow.chooseRole('staff');
    expect(flow.state).toMatchObject({ screen: 'signed-before', agreement: { resign_rule: { rule: 'new_version' } } });
    flow.signedBefore();
    expect(flow.state).toEqual({ screen: 'welcome' });
    flow.begin();
    await flow.chooseRole('visitor');
    expect(flow.state.screen).toBe('agreement'); // visitors sign every visit: no question
  });

  it('asks the core for the welcome screen again only between visitors, so a new configuration never lands mid-signing', async () => {
    const { backend, flow } = await atNameScreen('visitor');
    expect(backend.welcomeCalls).toBe(1);
    backend.schoolName = 'Ysgol Newydd';
    flow.edit('name', 'Ann Able');
    await flow.submitName();
    await flow.submitSignature(SIGNED);
    expect(backend.welcomeCalls).toBe(1);
    expect(flow.welcome?.school_name).toBe('Ysgol y Graig');
    const drawn: string[] = [];
    flow.onChange((state) => drawn.push(state.screen));
    flow.reset();
    await Promise.resolve();
    await Promise.resolve();
    expect(backend.welcomeCalls).toBe(2);
    expect(flow.state).toEqual({ screen: 'welcome' });
    expect(flow.welcome?.school_name).toBe('Ysgol Newydd');
    expect(drawn).toEqual(['welcome', 'welcome']); // drawn again with the new name

    flow.reset();
    await Promise.resolve();
    await Promise.resolve();
    expect(backend.welcomeCalls).toBe(3);
    expect(drawn).toEqual(['welcome', 'welcome', 'welcome']); // nothing changed: not drawn again
  });

  it('reset wipes everything typed: the next visitor starts with empty fields', async () => {
    const { flow } = await atNameScreen();
    flow.edit('name', 'Private Person');
    flow.reset();
    expect(flow.state).toEqual({ screen: 'welcome' });
    flow.begin();
    await flow.chooseRole('visitor');
    flow.reachedEnd();
    flow.agree();
    expect(flow.state).toMatchObject({ screen: 'name', name: '', organisation: '' });
  });

  it('Back walks one step at a time and keeps the name', async () => {
    const { flow } = await atNameScreen();
    flow.edit('name', 'Ann');
    await flow.submitName();
    flow.back();
    expect(flow.state).toMatchObject({ screen: 'name', name: 'Ann' });
    flow.back();
    expect(flow.state).toMatchObject({ screen: 'agreement', readToEnd: true });
    flow.back();
    expect(flow.state.screen).toBe('role');
    flow.back();
    expect(flow.state.screen).toBe('welcome');
  });

  it('Back from the agreement of a role asked "have you signed?" returns to that question', async () => {
    const { flow } = await atNameScreen('staff');
    flow.back();
    expect(flow.state.screen).toBe('agreement');
    flow.back();
    expect(flow.state.screen).toBe('signed-before');
    flow.back();
    expect(flow.state.screen).toBe('role');
    flow.back();
    expect(flow.state.screen).toBe('welcome');
  });

  it('shows the kiosk as unavailable, with the reason, when the core cannot start', async () => {
    const backend = new FakeBackend();
    backend.failWelcome = true;
    const flow = new Flow(backend);
    await flow.start();
    expect(flow.state).toMatchObject({ screen: 'unavailable', error: { code: 'schema_too_new' } });
    flow.reset();
    expect(flow.state.screen).toBe('unavailable');
  });

  it('ignores a late answer after the visit was wiped', async () => {
    const { flow } = await atNameScreen();
    flow.edit('name', 'Ann');
    const pending = flow.submitName();
    flow.reset();
    await pending;
    expect(flow.state).toEqual({ screen: 'welcome' });
  });
});
