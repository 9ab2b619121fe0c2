// An on-screen keyboard for a kiosk with no physical one. It types into
// whichever text field last had focus and never takes focus itself, so the
// caret stays where the visitor put it. Accented letters (Welsh â ŵ ŷ and
// others) are one tap away.
import { h } from './dom';
import { t } from './i18n';

const LETTERS = ['1234567890', 'qwertyuiop', 'asdfghjkl', "zxcvbnm-'"];
const ACCENTS = ['âêîôûŵŷ', 'áéíóúýà', 'èìòùäëï', 'öüÿçñß.'];

export class Keyboard {
  readonly element: HTMLElement;
  private shift = true;
  private accents = false;

  constructor(private target: () => HTMLInputElement | null, private readonly onInput: (input: HTMLInputElement) => void) {
    this.element = h('div', { class: 'keyboard', role: 'group', 'aria-label': t('keyboard.label') });
    this.render();
  }

  private key(label: string, aria: string, action: () => void, extra = ''): HTMLButtonElement {
    const key = h('button', { type: 'button', class: `key ${extra}`, tabindex: -1, 'aria-label': aria }, label);
    // Keep focus (and the caret) in the text field.
    key.addEventListener('pointerdown', (e) => e.preventDefault());
    key.addEventListener('mousedown', (e) => e.preventDefault());
    key.addEventListener('click', () => {
      action();
      this.render();
    });
    return key;
  }

  private render(): void {
    const rows = (this.accents ? ACCENTS : LETTERS).map((row) =>
      h('div', { class: 'key-row' }, ...[...row].map((c) => {
        const ch = this.shift ? c.toLocaleUpperCase() : c;
        return this.key(ch, ch, () => this.type(ch));
      })),
    );
    const controls = h(
      'div',
      { class: 'key-row' },
      this.key('⇧', t('keyboard.shift'), () => (this.shift = !this.shift), this.shift ? 'key-wide key-on' : 'key-wide'),
      this.modeKey(),
      this.key(t('keyboard.space'), t('keyboard.space'), () => this.type(' '), 'key-space'),
      this.key('⌫', t('keyboard.backspace'), () => this.backspace(), 'key-wide'),
    );
    this.element.replaceChildren(...rows, controls);
  }

  /** Switches letters and accents. Its accessible name starts with what it
   *  shows (WCAG 2.5.3, label in name), then says what that is. */
  private modeKey(): HTMLButtonElement {
    const glyphs = this.accents ? 'abc' : 'âŵŷ';
    const meaning = this.accents ? t('keyboard.letters') : t('keyboard.accents');
    return this.key(glyphs, `${glyphs} ${meaning}`, () => (this.accents = !this.accents), 'key-wide');
  }

  private type(text: string): void {
    const input = this.target();
    if (!input) return;
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    input.setRangeText(text, start, end, 'end');
    // Capitals for the first letter of each word, as names are written.
    this.shift = text === ' ' || text === '-';
    this.onInput(input);
  }

  private backspace(): void {
    const input = this.target();
    if (!input) return;
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    if (start === end && start > 0) {
      const before = [...input.value.slice(0, start)];
      const removed = before.pop() ?? '';
      input.setRangeText('', start - removed.length, start, 'end');
    } else {
      input.setRangeText('', start, end, 'end');
    }
    this.shift = input.value.length === 0 || input.value.endsWith(' ');
    this.onInput(input);
  }
}
