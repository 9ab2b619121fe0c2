// The visitor flow as a state machine, with no DOM in it: the screens render
// `flow.state` and call these methods. Every step that needs the core goes
// through the Backend, so Vitest can drive the whole flow with a fake.
import type { AgreementView, Backend, KioskError, NameCheck, Receipt, RoleChoice, Welcome } from './backend';
import { asKioskError } from './backend';

export type State =
  | { screen: 'loading' }
  | { screen: 'unavailable'; error: KioskError }
  | { screen: 'welcome' }
  | { screen: 'role' }
  | { screen: 'signed-before'; role: RoleChoice; agreement: AgreementView }
  | { screen: 'agreement'; role: RoleChoice; agreement: AgreementView; readToEnd: boolean }
  | { screen: 'name'; role: RoleChoice; agreement: AgreementView; name: string; organisation: string; error: KioskError | null; busy: boolean }
  | { screen: 'signature'; role: RoleChoice; agreement: AgreementView; checked: NameCheck; error: KioskError | null; busy: boolean }
  | { screen: 'confirmation'; receipt: Receipt };

export type Listener = (state: State) => void;

export class Flow {
  state: State = { screen: 'loading' };
  welcome: Welcome | null = null;
  private listeners: Listener[] = [];

  constructor(private readonly backend: Backend) {}

  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  private set(state: State): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }

  /** Loads the school's settings and shows the welcome screen. Also the way back after admin changes. */
  async start(): Promise<void> {
    try {
      this.welcome = await this.backend.welcome();
      this.set({ screen: 'welcome' });
    } catch (e) {
      this.set({ screen: 'unavailable', error: asKioskError(e) });
    }
  }

  /** Idle timeout, "Start again", or the end of the confirmation: everything typed or drawn is dropped. */
  reset(): void {
    if (this.state.screen === 'unavailable' || this.state.screen === 'loading') return;
    this.set({ screen: 'welcome' });
    void this.refreshWelcome();
  }

  /**
   * Between two visitors, asks the core for the welcome screen again: that is
   * when the kiosk applies a newer configuration from the office (agreements,
   * school name, roles), never while someone is signing. If it fails, the
   * welcome the kiosk had stays.
   */
  private async refreshWelcome(): Promise<void> {
    try {
      const welcome = await this.backend.welcome();
      const changed = JSON.stringify(welcome) !== JSON.stringify(this.welcome);
      this.welcome = welcome;
      // Nobody has read anything yet on these screens: show the new settings
      // (drawn again only when they changed, so a tap is never lost to it).
      if (changed && (this.state.screen === 'welcome' || this.state.screen === 'role')) this.set(this.state);
    } catch {
      // The next reset tries again.
    }
  }

  begin(): void {
    if (this.state.screen === 'welcome') this.set({ screen: 'role' });
  }

  async chooseRole(role: string): Promise<void> {
    const choice = this.welcome?.roles.find((r) => r.role === role);
    if (this.state.screen !== 'role' || !choice?.has_agreement) return;
    try {
      const agreement = await this.backend.agreementFor(role);
      if (this.state.screen !== 'role') return; // reset while loading
      // A role that does not sign every visit: ask everyone who chooses it
      // the same question. The kiosk never looks a name up (that would tell
      // anyone when a named person last signed), so people judge for themselves.
      if (asksSignedBefore(agreement)) this.set({ screen: 'signed-before', role: choice, agreement });
      else this.set({ screen: 'agreement', role: choice, agreement, readToEnd: false });
    } catch (e) {
      this.set({ screen: 'unavailable', error: asKioskError(e) });
    }
  }

  /** "Have you signed this version?" No, or not sure: read it and sign. */
  readAndSign(): void {
    const s = this.state;
    if (s.screen === 'signed-before') this.set({ screen: 'agreement', role: s.role, agreement: s.agreement, readToEnd: false });
  }

  /** "Have you signed this version?" Yes: nothing more to do, nothing is stored. */
  signedBefore(): void {
    if (this.state.screen === 'signed-before') this.reset();
  }

  /** The reader has scrolled to the end of the agreement. */
  reachedEnd(): void {
    const s = this.state;
    if (s.screen === 'agreement' && !s.readToEnd) this.set({ ...s, readToEnd: true });
  }

  agree(): void {
    const s = this.state;
    if (s.screen !== 'agreement' || !s.readToEnd) return;
    this.set({ screen: 'name', role: s.role, agreement: s.agreement, name: '', organisation: '', error: null, busy: false });
  }

  /** Keeps what is typed, so a re-render or the on-screen keyboard never loses it. */
  edit(field: 'name' | 'organisation', value: string): void {
    const s = this.state;
    if (s.screen === 'name') this.state = { ...s, [field]: value };
  }

  async submitName(): Promise<void> {
    const s = this.state;
    if (s.screen !== 'name' || s.busy) return;
    this.set({ ...s, busy: true, error: null });
    try {
      const organisation = s.role.asks_for_organisation ? s.organisation : null;
      const checked = await this.backend.checkName(s.role.role, s.name, organisation);
      if (this.state.screen !== 'name') return;
      this.set({ screen: 'signature', role: s.role, agreement: s.agreement, checked, error: null, busy: false });
    } catch (e) {
      if (this.state.screen === 'name') this.set({ ...this.state, busy: false, error: asKioskError(e) });
    }
  }

  /** Shows a refusal found before calling the core (an empty pad). */
  refuseSignature(error: KioskError): void {
    const s = this.state;
    if (s.screen === 'signature') this.set({ ...s, error });
  }

  clearSignatureError(): void {
    const s = this.state;
    if (s.screen === 'signature' && s.error) this.set({ ...s, error: null });
  }

  async submitSignature(strokesJson: string): Promise<void> {
    const s = this.state;
    if (s.screen !== 'signature' || s.busy) return;
    this.set({ ...s, busy: true, error: null });
    try {
      const receipt = await this.backend.submit({
        role: s.role.role,
        name: s.checked.name,
        organisation: s.checked.organisation,
        strokes_json: strokesJson,
        agreement_hash: s.agreement.hash,
      });
      this.set({ screen: 'confirmation', receipt });
    } catch (e) {
      if (this.state.screen === 'signature') this.set({ ...this.state, busy: false, error: asKioskError(e) });
    }
  }

  /** One step back; from the first screen, back to welcome. */
  back(): void {
    const s = this.state;
    switch (s.screen) {
      case 'role':
        return this.set({ screen: 'welcome' });
      case 'signed-before':
        return this.set({ screen: 'role' });
      case 'agreement':
        if (asksSignedBefore(s.agreement)) return this.set({ screen: 'signed-before', role: s.role, agreement: s.agreement });
        return this.set({ screen: 'role' });
      case 'name':
        return this.set({ screen: 'agreement', role: s.role, agreement: s.agreement, readToEnd: true });
      case 'signature':
        return this.set({ screen: 'name', role: s.role, agreement: s.agreement, name: s.checked.name, organisation: s.checked.organisation ?? '', error: null, busy: false });
      default:
        return;
    }
  }

  /** Whether an idle kiosk has anything to wipe. */
  get inProgress(): boolean {
    return !['loading', 'unavailable', 'welcome'].includes(this.state.screen);
  }
}

/** Whether people choosing this role are asked if they have signed this version (every role that does not sign every visit). */
function asksSignedBefore(agreement: AgreementView): boolean {
  return agreement.resign_rule.rule !== 'every_visit';
}
