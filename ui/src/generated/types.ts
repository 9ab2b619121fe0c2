// Generated from the Rust types by crates/kiosk/tests/ui_types.rs (ts-rs): do not edit.
// That test (part of `cargo test`) fails when this file differs from what the Rust types give,
// so a change on either side cannot silently break the other. After changing a Rust type:
// SIGNBOOK_WRITE_UI_TYPES=1 cargo test -p signbook-kiosk --test ui_types

/**
 * The welcome and role screens.
 */
export type Welcome = {
  /**
   * Shown as the heading.
   */
  school_name: string,
  /**
   * Seconds of no touch before the form is wiped.
   */
  idle_timeout_secs: number,
  /**
   * The "I am a ..." buttons, in order.
   */
  roles: Array<RoleChoice>,
  /**
   * False on first run: the admin area asks for a new PIN.
   */
  admin_pin_set: boolean,
  /**
   * "How we use your information", offered on the name screen.
   */
  privacy_notice: PrivacyNoticeView, };

/**
 * The privacy notice as the kiosk shows it: the school's own, or the
 * built-in default naming the school, rendered like an agreement (so any
 * HTML in it is text).
 */
export type PrivacyNoticeView = {
  /**
   * For people reading the kiosk in English.
   */
  english_html: string,
  /**
   * For people reading the kiosk in Welsh.
   */
  welsh_html: string, };

/**
 * One "I am a ..." button.
 */
export type RoleChoice = {
  /**
   * Identifier; the UI translates it.
   */
  role: Role,
  /**
   * Whether the name screen also asks for an organisation.
   */
  asks_for_organisation: boolean,
  /**
   * False when no agreement is published for it (the button is disabled).
   */
  has_agreement: boolean, };

/**
 * A role identifier: 1 to 32 of `a-z`, `0-9`, `-`, `_`, starting with a letter.
 */
export type Role = string;

/**
 * The agreement screen.
 */
export type AgreementView = {
  /**
   * The version, sent back with the signature so the record names what was read.
   */
  hash: string,
  /**
   * Its title.
   */
  title: string,
  /**
   * The text as HTML (see [`signbook_core::markdown`]).
   */
  html: string,
  /**
   * When it was published (RFC 3339, UTC).
   */
  published_at: string,
  /**
   * When this role signs again. Unless it is every visit, the kiosk
   * tells everyone choosing the role the rule and this version's date,
   * and lets them say they have signed it: the same screens for
   * everyone, since the kiosk never looks a name up.
   */
  resign_rule: ResignRule, };

/**
 * When a role signs again. The kiosk's visitor flow shows this rule to
 * everyone choosing the role and never looks a typed name up, so it
 * reveals nothing about another person; [`Store::signing_status`] is for
 * staff (`signbook check`).
 */
export type ResignRule = { "rule": "every_visit" } | { "rule": "new_version" } | { "rule": "after_days", "days": number };

/**
 * The name screen's answer. It says nothing about earlier signatures:
 * whoever types a name could be anyone, so the flow after it is the same
 * whether or not that name has signed before.
 */
export type NameCheck = {
  /**
   * The name as it will be stored.
   */
  name: string,
  /**
   * The organisation as it will be stored.
   */
  organisation: string | null,
  /**
   * For "Thank you, ...".
   */
  first_name: string, };

/**
 * Everything the flow collected, sent when "Submit" is tapped.
 */
export type Submission = {
  /**
   * Chosen role.
   */
  role: string,
  /**
   * Name as typed.
   */
  name: string,
  /**
   * Organisation as typed.
   */
  organisation: string | null,
  /**
   * The pad's strokes as JSON (see [`Strokes`]); parsed here so its size
   * is checked before parsing.
   */
  strokes_json: string,
  /**
   * The agreement version shown ([`AgreementView::hash`]).
   */
  agreement_hash: string, };

/**
 * What the confirmation screen and `signbook sign` show.
 */
export type Receipt = {
  /**
   * Record id (UUIDv7).
   */
  id: string,
  /**
   * Position in this kiosk's chain.
   */
  seq: number,
  /**
   * Short code to read aloud, e.g. `7KQ2-M9XD`.
   */
  reference: string,
  /**
   * The record hash.
   */
  record_hash: string,
  /**
   * The agreement version signed.
   */
  agreement_hash: string,
  /**
   * Role signed as.
   */
  role: string,
  /**
   * For "Thank you, ...".
   */
  first_name: string,
  /**
   * UTC, milliseconds.
   */
  signed_at: string,
  /**
   * Kiosk's local time at signing.
   */
  signed_at_local: string, };

/**
 * The PIN screen.
 */
export type AdminStatus = {
  /**
   * False on first run: the screen asks for a new PIN twice.
   */
  pin_set: boolean,
  /**
   * Whether a session is open now.
   */
  unlocked: boolean, };

/**
 * The admin area's front page.
 */
export type AdminOverview = {
  /**
   * This kiosk.
   */
  device_id: string,
  /**
   * The short fingerprint of its Ed25519 public key, for staff to compare
   * with the office's Kiosks page and an export's header.
   */
  key_fingerprint: string,
  /**
   * Where its database is.
   */
  database: string,
  /**
   * Records in this kiosk's chain (including erased ones).
   */
  records: number,
  /**
   * When the newest was signed (RFC 3339, UTC).
   */
  last_signed_at: string | null,
  /**
   * Sending records to the office.
   */
  sync: SyncView,
  /**
   * Every agreement version, oldest first.
   */
  agreements: Array<AgreementRow>,
  /**
   * Current settings.
   */
  settings: KioskSettings,
  /**
   * Every role the settings screen can offer.
   */
  known_roles: Array<Role>,
  /**
   * Where an export can go.
   */
  destinations: Array<Destination>, };

/**
 * Sync with the office, as the admin area shows it.
 */
export type SyncView = {
  /**
   * Whether the kiosk has been paired with an office server.
   */
  paired: boolean,
  /**
   * The office it sends to (`https://HOST:PORT`).
   */
  office_url: string | null,
  /**
   * Records (and erasures) not yet confirmed by the office.
   */
  pending: number,
  /**
   * Last time the office confirmed a batch.
   */
  last_success: string | null,
  /**
   * Last time a push ended, well or not (RFC 3339, UTC).
   */
  last_attempt: string | null,
  /**
   * The last failure, in words (English).
   */
  last_error: string | null,
  /**
   * Its code, which the UI translates (e.g. `office_unreachable`).
   */
  last_error_code: string | null,
  /**
   * A push is in flight, or asked for ("Sync now") and about to start.
   */
  syncing: boolean,
  /**
   * The office configuration this kiosk runs (0: none yet).
   */
  configuration_version: number,
  /**
   * The office's newest, when this kiosk has not applied it yet.
   */
  office_configuration_version: number | null,
  /**
   * A verified configuration waiting for the next visitor.
   */
  configuration_pending: number | null,
  /**
   * The last configuration refused: its code, which the UI translates
   * (`configuration_signature_invalid`), and when (RFC 3339, UTC).
   */
  configuration_refused_code: string | null,
  /**
   * When it was refused.
   */
  configuration_refused_at: string | null, };

/**
 * An office found on the local network, as the pairing screen lists it.
 */
export type OfficeFound = {
  /**
   * The school's name the office announces.
   */
  name: string,
  /**
   * Its address, `https://ADDRESS:PORT`, for pairing.
   */
  office_url: string, };

/**
 * One agreement version in the list.
 */
export type AgreementRow = {
  /**
   * Its hash.
   */
  hash: string,
  /**
   * Its title.
   */
  title: string,
  /**
   * When it was published.
   */
  published_at: string,
  /**
   * Roles it is current for (empty: superseded).
   */
  current_for: Array<Role>,
  /**
   * Records that name it.
   */
  signatures: number, };

/**
 * The kiosk's settings.
 */
export type KioskSettings = {
  /**
   * Shown on the welcome screen and in exports.
   */
  school_name: string,
  /**
   * Seconds without a touch before the kiosk wipes the form and returns to welcome.
   */
  idle_timeout_secs: number,
  /**
   * Roles offered, in order.
   */
  roles: Array<Role>,
  /**
   * "How we use your information" on the name screen; empty texts mean
   * the built-in notice. Absent in settings saved before it existed.
   */
  privacy_notice: PrivacyNotice, };

/**
 * The school's own notice; an empty text means "the built-in default".
 */
export type PrivacyNotice = {
  /**
   * Markdown, shown to people reading the kiosk in English.
   */
  english: string,
  /**
   * Markdown, shown to people reading the kiosk in Welsh.
   */
  welsh: string, };

/**
 * A folder an export can be written to.
 */
export type Destination = {
  /**
   * What the admin sees, e.g. "USB drive KINGSTON", in the UI's language.
   */
  label: DestinationLabel,
  /**
   * The folder.
   */
  path: string,
  /**
   * Whether it is a removable drive.
   */
  removable: boolean, };

/**
 * What a destination is called: a code the UI translates
 * (`admin.export.destination.<code>`), with the drive's name as a parameter.
 */
export type DestinationLabel = { "code": "exports_folder" } | { "code": "usb_drive",
  /**
   * Its volume name, as mounted.
   */
  name: string, };

/**
 * What an export wrote.
 */
export type ExportDone = {
  /**
   * Records written to each file.
   */
  records: number,
  /**
   * The CSV file.
   */
  csv: string,
  /**
   * The JSONL file.
   */
  jsonl: string, };

/**
 * An imported agreement, before it is published.
 */
export type ImportPreview = {
  /**
   * The Markdown that will be published.
   */
  markdown: string,
  /**
   * The title found (the admin can change it).
   */
  title: string | null,
  /**
   * The preview, exactly as the kiosk will show it.
   */
  html: string,
  /**
   * Review metadata taken out of the body.
   */
  metadata: Array<[string, string]>,
  /**
   * Everything removed, for the admin to check.
   */
  removed: Array<Removed>, };

/**
 * One piece of text the importer removed, and why.
 */
export type Removed = {
  /**
   * Why.
   */
  reason: RemovedReason,
  /**
   * Exactly what was removed.
   */
  text: string, };

/**
 * Kinds of debris.
 */
export type RemovedReason = "word_bookmark" | "page_number" | "glued_page_number" | "signature_block" | "repeated_title" | "page_header_footer" | "table_of_contents";

/**
 * The outcome of [`Store::verify`].
 */
export type VerifyReport = {
  /**
   * The kiosk whose chain was walked.
   */
  device_id: string,
  /**
   * Records checked before stopping.
   */
  records: number,
  /**
   * Of those, tombstones.
   */
  erased: number,
  /**
   * Held entries checked: records whose personal data the kiosk removed
   * because the office holds it (record format version 3). Not erasures.
   */
  held: number,
  /**
   * Checkpoint signatures checked.
   */
  checkpoints: number,
  /**
   * Last sequence number checked.
   */
  head_seq: number | null,
  /**
   * The first broken record, if any.
   */
  problem: Problem | null, };

/**
 * The first broken record and what is wrong with it.
 */
export type Problem = {
  /**
   * Sequence number of the broken record.
   */
  seq: number,
  /**
   * Its id, when it could be read.
   */
  id: string | null,
  /**
   * What is wrong.
   */
  kind: ProblemKind, };

/**
 * What can be wrong with a record.
 */
export type ProblemKind = { "kind": "missing",
  /**
   * The sequence number found instead.
   */
  found: number, } | { "kind": "repeated",
  /**
   * The last sequence number before it.
   */
  after: number, } | { "kind": "unreadable",
  /**
   * What is wrong.
   */
  detail: string, } | { "kind": "wrong_device",
  /**
   * The device id it names.
   */
  found: string, } | { "kind": "broken_link",
  /**
   * Hash of the record before it.
   */
  expected: Hash32,
  /**
   * What it says instead.
   */
  found: Hash32, } | { "kind": "hash_mismatch",
  /**
   * Hash stored with it.
   */
  stored: Hash32,
  /**
   * Hash of its contents now.
   */
  computed: Hash32, } | { "kind": "field_altered",
  /**
   * "name", "organisation" or "signature".
   */
  field: string, } | { "kind": "erased_without_log" } | { "kind": "erasure_not_applied" } | { "kind": "checkpoint_forged" } | { "kind": "checkpoint_mismatch",
  /**
   * Head hash in the checkpoint.
   */
  signed: Hash32, } | { "kind": "truncated",
  /**
   * Sequence the checkpoint names.
   */
  checkpoint_seq: number, } | { "kind": "head_not_signed" } | { "kind": "tombstone_without_entry" } | { "kind": "erasure_target_holds_data",
  /**
   * The record it names.
   */
  target_seq: number, } | { "kind": "erasure_target_missing",
  /**
   * The record it names.
   */
  target_seq: number,
  /**
   * Which of those.
   */
  detail: string, } | { "kind": "held_target_missing",
  /**
   * The record it names.
   */
  target_seq: number,
  /**
   * Which of those.
   */
  detail: string, } | { "kind": "held_target_holds_data",
  /**
   * The record it names.
   */
  target_seq: number, } | { "kind": "held_target_not_acknowledged",
  /**
   * The record it names.
   */
  target_seq: number, };

/**
 * A SHA-256 digest: an agreement version's identity, a record hash, or a
 * salted digest of one personal field.
 */
export type Hash32 = string;

/**
 * The one error shape the UI receives. Every Tauri command returns this.
 */
export type UiError = {
  /**
   * [`KioskError::ui_code`], or one of [`UiError::SHELL_CODES`]: the UI
   * shows its `error.<code>` text.
   */
  code: string,
  /**
   * What happened and what to do, in English: shown only for a code the
   * UI has no text for.
   */
  message: string,
  /**
   * Values for the text's placeholders ([`KioskError::params`]).
   */
  params?: { [key in string]: string }, };
