// Every mail in plain text and HTML, from the Eta templates in templates/.
// The HTML instance escapes every value (`<%= %>`), so a product named
// `<script>` is shown, never run; the text instance leaves values as they
// are (text/plain has nothing to inject into). Subjects are one line, made
// here, and lose any line break a value might carry.
import path from 'node:path';
import { Eta } from 'eta';
import type { MailTemplate } from './mail.outbox';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface RenderContext {
  /** The shop's name, from MAIL_FROM's display name. */
  shop: string;
  /** ISO 4217, lower case, as SHOP_CURRENCY. */
  currency: string;
}

const views = path.join(__dirname, 'templates');
const html = new Eta({ views, autoEscape: true, autoTrim: false, cache: true });
const text = new Eta({ views, autoEscape: false, autoTrim: false, cache: true });

const CANCEL_REASONS: Record<string, string> = {
  customer: 'you cancelled it',
  staff: 'the shop cancelled it',
  expired: 'it was not paid in time, so its items went back on sale',
};

const SUBJECTS: Record<MailTemplate, (data: MailData) => string> = {
  order_placed: (d) => `We received your order #${d.order_id}`,
  order_paid: (d) => `Payment received for order #${d.order_id}`,
  order_shipped: (d) => `Order #${d.order_id} has shipped`,
  order_cancelled: (d) => `Order #${d.order_id} was cancelled`,
  order_refunded: (d) => `Your payment for order #${d.order_id} is refunded`,
  password_reset: () => 'Reset your password',
  password_changed: () => 'Your password was changed',
};

export type MailData = Record<string, unknown>;

export function isMailTemplate(name: string): name is MailTemplate {
  return Object.hasOwn(SUBJECTS, name);
}

export function renderMail(template: MailTemplate, data: MailData, context: RenderContext): RenderedMail {
  const subject = oneLine(`${SUBJECTS[template](data)} | ${context.shop}`);
  const it = {
    ...data,
    lines: Array.isArray(data.lines) ? data.lines : [],
    reason: CANCEL_REASONS[String(data.cancel_reason)] ?? 'it was cancelled',
    shop: context.shop,
    subject,
    money: (amount: unknown) => `${String(amount)} ${context.currency.toUpperCase()}`,
  };
  const body = html.render(`./${template}.html.eta`, it);
  return {
    subject,
    text: `${text.render(`./${template}.text.eta`, it).trim()}\n\n-- \n${context.shop}\n`,
    html: html.render('./_layout.html.eta', { ...it, body }),
  };
}

function oneLine(value: string): string {
  return value.replace(/[\r\n\t\u0000-\u001f\u007f]+/g, ' ').slice(0, 200);
}
