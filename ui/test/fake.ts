// A fake core for the flow tests: the same answers as the Rust kiosk, with
// the refusals the tests need.
import type { AgreementView, Backend, NameCheck, Receipt, Submission, UiError, Welcome } from '../src/backend';

/** What Tauri's invoke rejects with: the core's UiError, not an Error. */
function refusal(code: string, message: string): UiError {
  return { code, message };
}

export class FakeBackend implements Backend {
  submissions: Submission[] = [];
  failWelcome = false;
  /** What the core would say now (an office configuration may change it). */
  schoolName = 'Ysgol y Graig';
  /** The core applies a waiting office configuration when asked for the welcome screen. */
  welcomeCalls = 0;

  async welcome(): Promise<Welcome> {
    this.welcomeCalls++;
    if (this.failWelcome) throw refusal('schema_too_new', 'the database was written by a newer version of Signbook');
    return {
      school_name: this.schoolName,
      idle_timeout_secs: 60,
      admin_pin_set: true,
      privacy_notice: { english_html: '<h1>How we use your information</h1>', welsh_html: '<h1>Sut rydym yn defnyddio eich gwybodaeth</h1>' },
      roles: [
        { role: 'visitor', asks_for_organisation: true, has_agreement: true },
        { role: 'staff', asks_for_organisation: false, has_agreement: true },
        { role: 'volunteer', asks_for_organisation: false, has_agreement: false },
      ],
    };
  }

  async agreementFor(role: string): Promise<AgreementView> {
    // Staff sign once per version (the core's default for them), visitors every visit.
    const resign_rule = role === 'staff' ? ({ rule: 'new_version' } as const) : ({ rule: 'every_visit' } as const);
    return { hash: `hash-of-${role}`, title: 'AUP', html: '<h1>AUP</h1><p>Be kind.</p>', published_at: '2026-09-01T00:00:00Z', resign_rule };
  }

  async checkName(_role: string, name: string, organisation: string | null): Promise<NameCheck> {
    const clean = name.trim().replace(/\s+/g, ' ');
    if (!clean) throw refusal('name_empty', 'Please type your name.');
    return { name: clean, organisation: organisation?.trim() || null, first_name: clean.split(' ')[0] };
  }

  async submit(submission: Submission): Promise<Receipt> {
    const { strokes } = JSON.parse(submission.strokes_json) as { strokes: unknown[] };
    if (strokes.length === 0) throw refusal('signature_empty', 'The signature pad is empty. Please sign with your finger or a stylus.');
    this.submissions.push(submission);
    return { id: 'id', seq: this.submissions.length, reference: '7KQ2-M9XD', record_hash: '', agreement_hash: submission.agreement_hash, first_name: submission.name.split(' ')[0], role: submission.role, signed_at: '', signed_at_local: '' };
  }
}

export const SIGNED = JSON.stringify({ width: 600, height: 240, strokes: [[{ x: 10, y: 10 }, { x: 200, y: 100 }]] });
export const BLANK = JSON.stringify({ width: 600, height: 240, strokes: [] });
