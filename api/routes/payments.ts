/**
 * The sandbox gateway's card form: the embedded default gateway's stand-in for the card form a
 * real gateway serves to the browser (Stripe.js with Stripe). The number is handed to the
 * sandbox, which answers with a token; our stores keep only the token, brand, last four and
 * expiry (PUT /customers/{customerId}/payment-method). With another gateway it is not there (404).
 */
import { z } from 'zod';
import { CardRefused, SandboxGateway } from '../../payments/sandbox';
import { route, RouteTable } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';

const SavedCardSchema = z.strictObject({
  gatewayToken: z.string().describe('The sandbox token of the card: give it to PUT /customers/{customerId}/payment-method'),
  brand: z.enum(['visa', 'mastercard']),
  last4: z.string(),
  expiry: z.string().describe("The card's last valid month, YYYY-MM"),
});

export const paymentRoutes: RouteTable<ApiServices> = [
  route({
    method: 'post',
    path: '/payments/sandbox/cards',
    operationId: 'saveSandboxCard',
    summary: "The sandbox gateway's card form: one of its test cards in, a token out (only while the sandbox is the gateway; nothing real is charged)",
    tag: 'Billing',
    roles: ['customer', 'helpdesk', 'admin'],
    body: z.object({
      number: z.string().trim().min(12).max(23).describe('A sandbox test card number, spaces allowed (README: Payments)'),
      expMonth: z.number().int().min(1).max(12),
      expYear: z.number().int().min(2000).max(2100),
    }),
    success: 201,
    response: SavedCardSchema,
    async handler({ body }, services: ApiServices) {
      const gateway = services.paymentGateway;
      if (!(gateway instanceof SandboxGateway)) throw new HttpProblem(404, 'Not found', `The payment gateway is ${gateway.name}: cards are entered in its own form.`);
      try {
        return { status: 201, body: (await gateway.saveCard(body)) satisfies z.infer<typeof SavedCardSchema> };
      } catch (error) {
        if (error instanceof CardRefused) throw new HttpProblem(422, 'Card refused', error.message, { code: 'card-refused' });
        throw error;
      }
    },
  }),
];
