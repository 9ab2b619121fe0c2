// "Have you signed this version?", asked of everyone who chooses a role that
// does not sign on every visit, before they read or type anything. The kiosk
// never looks a typed name up: telling whoever typed "Ann Jones" that she
// signed on 3 May would tell a visitor when a named governor or teacher was
// last in school. So every person sees the same screens and judges for
// themselves; someone not sure simply signs again, which harms nothing.
import { button, h } from '../dom';
import { formatDay, t } from '../i18n';
import type { State } from '../flow';
import type { Ctx, ScreenView } from './types';

type SignedBeforeState = Extract<State, { screen: 'signed-before' }>;

export function signedBeforeScreen(ctx: Ctx, state: SignedBeforeState): ScreenView {
  const { agreement } = state;
  const rule = agreement.resign_rule;
  const days = rule.rule === 'after_days' ? rule.days : 0;
  const version = { title: agreement.title, date: formatDay(agreement.published_at), days };
  const el = h(
    'section',
    { class: 'screen signed-before' },
    h('h1', { tabindex: -1 }, days ? t('signedBefore.headingDays', version) : t('signedBefore.heading')),
    h('p', { class: 'lead' }, days ? t('signedBefore.ruleDays', version) : t('signedBefore.ruleVersion', version)),
    h('p', { class: 'hint' }, t('signedBefore.notSure')),
    h('div', { class: 'actions' },
      button(t('nav.back'), () => ctx.flow.back(), { class: 'secondary' }),
      button(t('signedBefore.yes'), () => ctx.flow.signedBefore(), { class: 'secondary', id: 'signed-before-yes' }),
      button(t('signedBefore.no'), () => ctx.flow.readAndSign(), { class: 'primary', id: 'read-and-sign' })),
  );
  return { el };
}
