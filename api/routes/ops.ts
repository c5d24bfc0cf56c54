import { z } from 'zod';
import { route, RouteSpec } from '../http/route';
import { ApiServices } from '../services';
import { STAFF } from './tickets';

export const opsRoutes = [
  route({
    method: 'get',
    path: '/notifications/parked',
    summary: 'Messages that could not be delivered (parked after retries), newest first',
    tag: 'Ops',
    roles: STAFF,
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), skip: z.coerce.number().int().min(0).max(100_000).default(0) }),
    success: 200,
    async handler({ query }, services: ApiServices) {
      const parked = await services.outbox.listParked({ limit: query.limit, skip: query.skip });
      return {
        status: 200,
        body: {
          messages: parked.map((m) => ({
            id: m._id,
            channel: m.channel,
            to: m.to,
            template: m.template,
            attempts: m.attempts,
            lastError: m.lastError,
            parkedAt: m.parkedAt,
            parkedCount: m.parkedCount,
            ticketId: m.ticketId,
            visitId: m.visitId,
          })),
        },
      };
    },
  }),
] as unknown as RouteSpec<never, never, never, ApiServices>[];
