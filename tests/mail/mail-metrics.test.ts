// What an operator sees of mail delivery in GET /metrics: each attempt under
// its outcome, as the worker makes it.
import { buildProduct, signedIn } from '../support/api';
import { growth } from '../support/metrics';
import { placeOrder } from '../support/shop';
import { deliverTo, makeDue, withSmtp } from './mail-support';

const mail = withSmtp();

it('counts a mail sent, and one SMTP could not take, under their outcomes', async () => {
  const { auth } = await signedIn();
  const product = await buildProduct();
  await placeOrder(auth, [{ product_id: product.id, quantity: 1 }]);

  await mail.smtp.stop();
  const refused = await growth([['shop_mail_deliveries_total', { outcome: 'retrying' }], ['shop_mail_deliveries_total', { outcome: 'sent' }]], () => deliverTo(mail.smtp));
  expect(refused).toEqual([1, 0]);

  await mail.smtp.start();
  await makeDue();
  const sent = await growth([['shop_mail_deliveries_total', { outcome: 'retrying' }], ['shop_mail_deliveries_total', { outcome: 'sent' }]], () => deliverTo(mail.smtp));
  expect(sent).toEqual([0, 1]);
});
