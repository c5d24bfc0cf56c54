import { z } from 'zod';
import { route, RouteTable } from '../http/route';
import { ApiServices } from '../services';

/** What the web app needs to know of the server's configuration (nothing secret). */
const WebAppConfig = z.strictObject({
  mapTiles: z
    .strictObject({
      url: z.string().describe('Leaflet tile URL template ({z}/{x}/{y}, optionally {s}): MAP_TILE_URL'),
      attribution: z.string().describe('The credit the tile provider requires, shown on every map: MAP_TILE_ATTRIBUTION'),
    })
    .nullable()
    .describe('The tiles of the visit maps; null when maps are off (the address is shown without a map)'),
  enRouteLeadMinutes: z.number().int().describe('An expert may go on their way at most this many minutes before the visit starts: EN_ROUTE_LEAD_MIN'),
  payments: z
    .strictObject({
      gateway: z.string().describe("'sandbox' (the embedded test gateway) or 'stripe'"),
      publishableKey: z.string().nullable().describe("The key Stripe.js loads with for the customers' card form (STRIPE_PUBLISHABLE_KEY); null with the sandbox, whose card form is POST /payments/sandbox/cards"),
    })
    .describe('Which card form customers enter their cards in'),
});

export const webAppRoutes: RouteTable<ApiServices> = [
  route({
    method: 'get',
    path: '/web-app/config',
    operationId: 'getWebAppConfig',
    summary: "The server settings the web app reads at start: the maps' tile server and its attribution, the payment gateway's card form",
    tag: 'Web app',
    roles: 'public',
    success: 200,
    response: WebAppConfig,
    async handler(_request, services: ApiServices) {
      // Settings change with a restart only; the app keeps them for offline use anyway.
      const payments = { gateway: services.paymentGateway.name, publishableKey: services.paymentGateway.publishableKey ?? null };
      return { status: 200, body: { mapTiles: services.mapTiles, enRouteLeadMinutes: services.enRouteLeadMinutes, payments } satisfies z.infer<typeof WebAppConfig>, headers: { 'Cache-Control': 'public, max-age=300' } };
    },
  }),
];
