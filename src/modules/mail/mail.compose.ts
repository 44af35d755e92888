// An outbox row made into the mail to send: rendered at send time from the
// row's data (what the order was when the row was written), with a
// Message-ID made from the row, so a receiver can drop a repeat delivery.

import type { Db } from '../../lib/db';
import { resetLink, validFor, type ResetMailData } from '../password-reset/password-reset.link';
import type { MailTemplate } from './mail.outbox';
import { isMailTemplate, renderMail, type MailData } from './mail.templates';
import type { OutgoingMail } from './mail.transport';

export interface ClaimedMail {
  id: number;
  template: string;
  to_address: string;
  user_id: number | null;
  data: MailData;
  attempts: number;
  claim_token: string;
  created_at: Date;
}

/** Why a mail was not sent and never will be (it is marked discarded). */
export class MailDiscarded {
  constructor(readonly reason: string) {}
}

export interface ComposeSettings {
  from: string;
  currency: string;
}

export async function composeMail(client: Db, row: ClaimedMail, settings: ComposeSettings): Promise<OutgoingMail | MailDiscarded> {
  if (!isMailTemplate(row.template)) return new MailDiscarded(`unknown template ${row.template}`);
  const template: MailTemplate = row.template;
  let data = row.data;
  let note: string | undefined;
  if (template === 'password_reset') {
    const reset = await resetLink(client, row.user_id, row.to_address, row.data as unknown as ResetMailData);
    if (!reset) return new MailDiscarded('the reset link expired, or the account changed since it was asked for');
    data = { ...data, reset_link: reset.link, valid_for: validFor(reset.secondsLeft) };
    note = reset.link;
  }
  const rendered = renderMail(template, data, { shop: displayName(settings.from), currency: settings.currency });
  return { id: row.id, template, to: row.to_address, ...rendered, messageId: messageId(row, settings.from), note };
}

/** `<mail-42.lq3k2x1@shop.example>`: the row's id and creation time, at the sender's domain. */
export function messageId(row: Pick<ClaimedMail, 'id' | 'created_at'>, from: string): string {
  return `<mail-${row.id}.${row.created_at.getTime().toString(36)}@${senderDomain(from)}>`;
}

function senderDomain(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return address.split('@')[1]?.trim() || 'localhost';
}

function displayName(from: string): string {
  const name = /^\s*"?([^"<]+?)"?\s*</.exec(from)?.[1]?.trim();
  return name || 'The shop';
}

