import type { Flow, State } from '../flow';

/** What every screen gets from the app. */
export interface Ctx {
  flow: Flow;
  /** Re-renders the current screen (language or display changed). */
  rerender(): void;
  openAdmin(): void;
}

/** A mounted screen. `update` handles a change that keeps the same screen. */
export interface ScreenView {
  el: HTMLElement;
  update?(state: State): void;
  destroy?(): void;
  /** Where focus goes when the screen opens (its heading otherwise). */
  initialFocus?: HTMLElement;
}
