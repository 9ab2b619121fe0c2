// The kiosk app: renders the flow's screens, wipes an idle visit, returns
// from the confirmation by itself, and hosts the admin area.
import type { AdminBackend, Backend } from './backend';
import { Flow, type State } from './flow';
import { IdleTimer } from './idle';
import { setLang } from './i18n';
import { AdminArea } from './admin/area';
import { pinScreen } from './admin/pin';
import { agreementScreen } from './screens/agreement';
import { nameScreen } from './screens/name';
import { confirmationScreen, signatureScreen } from './screens/signature';
import { signedBeforeScreen } from './screens/signedBefore';
import { roleScreen, unavailableScreen, welcomeScreen } from './screens/start';
import type { Ctx, ScreenView } from './screens/types';

/** How long "Thank you" stays up before the next visitor's welcome. */
export const CONFIRMATION_MS = 10_000;

export class App {
  readonly flow: Flow;
  private view: ScreenView | null = null;
  private viewScreen: string | null = null;
  private inAdmin = false;
  private readonly idle: IdleTimer;
  private confirmationTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly root: HTMLElement, backend: Backend, private readonly admin: AdminBackend) {
    this.flow = new Flow(backend);
    this.idle = new IdleTimer(60_000, () => this.onIdle());
    this.flow.onChange((state) => this.show(state));
  }

  start(): void {
    for (const ev of ['pointerdown', 'keydown', 'input', 'wheel']) document.addEventListener(ev, () => this.idle.poke(), { capture: true, passive: true });
    document.addEventListener('scroll', () => this.idle.poke(), { capture: true, passive: true });
    // Kiosk chrome: no context menu, no pinch zoom of the page.
    document.addEventListener('contextmenu', (e) => e.preventDefault());
    document.addEventListener('gesturestart', (e) => e.preventDefault());
    // Keyboard route to the hidden admin gesture: Ctrl+Alt+A on the welcome screen.
    document.addEventListener('keydown', (e) => {
      if (e.ctrlKey && e.altKey && e.key.toLowerCase() === 'a' && this.flow.state.screen === 'welcome') void this.openAdmin();
    });
    void this.flow.start();
  }

  private ctx(): Ctx {
    return { flow: this.flow, rerender: () => this.show(this.flow.state, true), openAdmin: () => void this.openAdmin() };
  }

  /** Everything of the last visitor goes: form, language and display choices. */
  private onIdle(): void {
    if (this.inAdmin) {
      void this.admin.lock().catch(() => undefined);
      this.inAdmin = false;
      this.resetVisit();
      this.show(this.flow.state, true);
      return;
    }
    if (this.flow.inProgress) {
      this.resetVisit();
      this.flow.reset();
    }
  }

  private resetVisit(): void {
    setLang('en');
    document.documentElement.classList.remove('larger-text', 'high-contrast');
  }

  private show(state: State, force = false): void {
    if (this.inAdmin) return;
    if (this.confirmationTimer) clearTimeout(this.confirmationTimer);
    this.confirmationTimer = null;
    if (state.screen === 'welcome' && this.viewScreen !== 'welcome') this.resetVisit();
    if (this.flow.welcome) this.idle.setTimeout(this.flow.welcome.idle_timeout_secs * 1000);
    if (this.flow.inProgress) this.idle.poke();
    else this.idle.stop();
    if (state.screen === 'confirmation') {
      this.confirmationTimer = setTimeout(() => this.flow.reset(), CONFIRMATION_MS);
    }

    if (!force && this.view?.update && this.viewScreen === state.screen) {
      this.view.update(state);
      return;
    }
    const view = this.render(state);
    this.mount(view, state.screen);
    // The launch benchmark (tests/e2e/bench.mjs) reads this mark.
    if (state.screen === 'welcome' && performance.getEntriesByName('welcome-shown').length === 0) performance.mark('welcome-shown');
  }

  private render(state: State): ScreenView {
    const ctx = this.ctx();
    switch (state.screen) {
      case 'loading': return { el: document.createElement('section') };
      case 'unavailable': return unavailableScreen(ctx, state);
      case 'welcome': return welcomeScreen(ctx);
      case 'role': return roleScreen(ctx);
      case 'signed-before': return signedBeforeScreen(ctx, state);
      case 'agreement': return agreementScreen(ctx, state);
      case 'name': return nameScreen(ctx, state);
      case 'signature': return signatureScreen(ctx, state);
      case 'confirmation': return confirmationScreen(ctx, state);
    }
  }

  private mount(view: ScreenView, screen: string): void {
    this.view?.destroy?.();
    this.view = view;
    this.viewScreen = screen;
    this.root.replaceChildren(view.el);
    this.root.dataset.screen = screen;
    (view.initialFocus ?? view.el.querySelector<HTMLElement>('h1'))?.focus({ preventScroll: true });
  }

  async openAdmin(): Promise<void> {
    if (this.inAdmin) return;
    this.inAdmin = true;
    this.idle.poke();
    const status = await this.admin.status().catch(() => ({ pin_set: true, unlocked: false }));
    const leave = () => {
      this.inAdmin = false;
      this.viewScreen = null;
      void this.flow.start();
    };
    const pin = pinScreen(this.admin, status.pin_set, () => void this.showAdminArea(leave), leave);
    this.mount({ el: pin.el, initialFocus: pin.initialFocus }, 'admin-pin');
  }

  private async showAdminArea(leave: () => void): Promise<void> {
    const area = new AdminArea(this.admin, leave);
    this.mount({ el: area.el }, 'admin');
    await area.load();
  }
}
