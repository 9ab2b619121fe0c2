// The privacy notice on the name screen: opened over the screen, readable in
// either language, closed back to the name as it was typed.
import { describe, expect, it } from 'vitest';
import { Flow } from '../src/flow';
import { setLang } from '../src/i18n';
import { nameScreen } from '../src/screens/name';
import { FakeBackend } from './fake';

async function nameScreenWith(typed: string) {
  const flow = new Flow(new FakeBackend());
  await flow.start();
  flow.begin();
  await flow.chooseRole('staff');
  flow.readAndSign();
  flow.reachedEnd();
  flow.agree();
  flow.edit('name', typed);
  if (flow.state.screen !== 'name') throw new Error('not at the name screen');
  const view = nameScreen({ flow, rerender: () => {}, openAdmin: () => {} }, flow.state);
  document.body.replaceChildren(view.el);
  return { flow, view };
}

describe('the privacy notice', () => {
  it('opens in the kiosk’s language, switches language, and closes back to what was typed', async () => {
    setLang('cy');
    const { flow, view } = await nameScreenWith('Siân Evans');
    const open = view.el.querySelector<HTMLButtonElement>('#privacy-open')!;
    expect(open.textContent).toBe('Sut rydym yn defnyddio eich gwybodaeth');
    open.click();
    const dialog = view.el.querySelector('[role=dialog]')!;
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(dialog.querySelector('#privacy-text')!.innerHTML).toBe('<h1>Sut rydym yn defnyddio eich gwybodaeth</h1>');
    expect(document.activeElement?.id).toBe('privacy-close');

    dialog.querySelector<HTMLButtonElement>('button[lang=en]')!.click();
    expect(dialog.querySelector('#privacy-text')!.innerHTML).toBe('<h1>How we use your information</h1>');
    expect(dialog.querySelector('button[lang=en]')!.getAttribute('aria-pressed')).toBe('true');

    dialog.querySelector<HTMLButtonElement>('#privacy-close')!.click();
    expect(view.el.querySelector('[role=dialog]')).toBeNull();
    expect(document.activeElement).toBe(open);
    expect(view.el.querySelector<HTMLInputElement>('#name')!.value).toBe('Siân Evans');
    expect(flow.state).toMatchObject({ screen: 'name', name: 'Siân Evans' });
    setLang('en');
  });

  it('closes with Escape', async () => {
    const { view } = await nameScreenWith('Ann');
    view.el.querySelector<HTMLButtonElement>('#privacy-open')!.click();
    view.el.querySelector('[role=dialog]')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(view.el.querySelector('[role=dialog]')).toBeNull();
  });
});
