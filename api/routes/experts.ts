import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { experts } from '../../commands/expert';
import { userAccounts } from '../../commands/user-account';
import { isTimeZone } from '../../domain/expert/availability';
import { ExpertCommand } from '../../domain/expert/expert';
import { EXPERTS, ExpertDoc } from '../../projections/experts/projection';
import { hashPassword } from '../auth/passwords';
import { AuthUser, route, RouteRequest, written } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { EMAIL_RESERVATIONS, GeoPointSchema, reserveEmail } from './auth';
import { STAFF } from './roles';

const Id = z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
const ExpertParams = z.object({ expertId: Id });
const Email = z.string().trim().toLowerCase().email().max(254);
const Phone = z.string().trim().regex(/^\+?[0-9 ()-]{6,20}$/, 'a phone number such as +1 555 0100');
const Skills = z.array(z.string().trim().min(1).max(100)).min(1).max(50);
const ServiceAreaSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('radius'), radiusKm: z.number().positive().max(500) }),
  z.object({ kind: z.literal('areas'), areas: z.array(z.string().trim().min(1).max(50)).min(1).max(200) }),
]);
const HHMM = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, "'HH:MM'");
const AvailabilitySchema = z.object({
  timeZone: z.string().min(1).max(100).refine(isTimeZone, 'an IANA time zone such as America/Chicago'),
  days: z.array(z.array(z.object({ from: HHMM, to: HHMM })).max(12)).length(7),
});
const Instant = z.string().datetime({ offset: true });
const RangeSchema = z.object({ start: Instant, end: Instant }).refine((r) => Date.parse(r.start) < Date.parse(r.end), 'start must be before end');

function assertSelfOr(user: AuthUser, expertId: string, roles: readonly string[]): void {
  if (user.role === 'expert') {
    if (user.expertId !== expertId) throw new HttpProblem(403, 'Forbidden', 'An expert may only act on their own profile.');
    return;
  }
  if (!roles.includes(user.role)) throw new HttpProblem(403, 'Forbidden', `A ${user.role} may not do this for an expert.`);
}

function view(doc: ExpertDoc) {
  const { _id, ...rest } = doc;
  return rest;
}

async function command(request: RouteRequest<unknown, unknown, unknown>, services: ApiServices, c: Omit<ExpertCommand, 'metadata'>) {
  return send(services.commands, experts, { ...c, metadata: request.command() } as ExpertCommand, request.expected);
}

async function answer(services: ApiServices, expertId: string, result: Awaited<ReturnType<typeof command>>, status = 200) {
  const s = result.state;
  const body = s.status === 'unknown' ? { expertId } : { expertId, status: s.status, skills: s.skills, serviceArea: s.serviceArea, homeLocation: s.homeLocation, availability: s.availability, timeOff: s.timeOff };
  return written(result, body, status);
}

export const expertRoutes = [
  route({
    method: 'post',
    path: '/experts',
    readsNext: ['experts'],
    summary: "Onboard an expert and create the expert's login (e-mail must be unused)",
    tag: 'Experts',
    roles: ['admin'],
    body: z.object({
      name: z.string().trim().min(1).max(200),
      email: Email,
      phone: Phone,
      locale: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "a locale such as 'en-US'").default('en-US'),
      homeLocation: GeoPointSchema,
      serviceArea: ServiceAreaSchema,
      skills: Skills,
      availability: AvailabilitySchema,
      feePerVisitCents: z.number().int().positive().max(10_000_000),
      password: z.string().min(10, 'at least 10 characters').max(200),
    }),
    idempotent: true,
    success: 201,
    async handler(request, services: ApiServices) {
      const { body } = request;
      const expertId = randomUUID();
      const userId = randomUUID();
      await reserveEmail(services, body.email, userId);
      const metadata = request.command();
      try {
        await send(services.commands, experts, {
        type: 'onboardExpert',
        data: {
          expertId,
          name: body.name,
          contact: { email: body.email, phone: body.phone },
          locale: body.locale,
          homeLocation: body.homeLocation,
          serviceArea: body.serviceArea,
          skills: body.skills,
          availability: body.availability,
          feePerVisitCents: body.feePerVisitCents,
        },
        metadata: { ...metadata, commandId: `${metadata.commandId}:expert` },
        });
      } catch (error) {
        // Nothing was written: give the e-mail back.
        await services.documents.collection(EMAIL_RESERVATIONS).deleteOne({ _id: body.email, userId });
        throw error;
      }
      const registered = await send(services.commands, userAccounts, {
        type: 'registerUser',
        data: { userId, email: body.email, role: 'expert', expertId, passwordHash: await hashPassword(body.password) },
        metadata: { ...metadata, commandId: `${metadata.commandId}:user` },
      });
      return { status: 201, body: { expertId, userId, email: body.email }, headers: { Location: `/experts/${expertId}` }, position: registered.position };
    },
  }),
  route({
    method: 'get',
    path: '/experts',
    summary: 'List experts (staff), optionally by skill and active flag',
    tag: 'Experts',
    roles: STAFF,
    query: z.object({
      skill: z.string().trim().min(1).max(100).optional(),
      active: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      skip: z.coerce.number().int().min(0).max(100_000).default(0),
    }),
    success: 200,
    async handler({ query }, services: ApiServices) {
      const collection = await services.readModels.collection<ExpertDoc>(EXPERTS);
      const filter = {
        ...(query.skill ? { skills: query.skill.toLowerCase().replace(/\s+/g, ' ') } : {}),
        ...(query.active !== undefined ? { active: query.active } : {}),
      };
      const docs = await collection.find(filter, { sort: { name: 1, _id: 1 }, limit: query.limit, skip: query.skip });
      return { status: 200, body: { experts: docs.map(view), total: await collection.count(filter) } };
    },
  }),
  route({
    method: 'get',
    path: '/experts/:expertId',
    summary: 'An expert profile and calendar (the expert themself or staff)',
    tag: 'Experts',
    roles: ['expert', ...STAFF],
    params: ExpertParams,
    success: 200,
    async handler({ params, user }, services: ApiServices) {
      assertSelfOr(user, params.expertId, STAFF);
      const doc = await (await services.readModels.collection<ExpertDoc>(EXPERTS)).findOne({ _id: params.expertId });
      if (!doc) throw new HttpProblem(404, 'Not found', `No expert ${params.expertId}.`);
      return { status: 200, body: view(doc) };
    },
  }),
  route({
    method: 'put',
    path: '/experts/:expertId/profile',
    readsNext: ['experts'],
    summary: "Replace an expert's name, contact details (where messages go; the login e-mail is unchanged), locale and fee per visit (admin)",
    tag: 'Experts',
    roles: ['admin'],
    params: ExpertParams,
    body: z.object({
      name: z.string().trim().min(1).max(200),
      email: Email,
      phone: Phone,
      locale: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "a locale such as 'en-US'"),
      feePerVisitCents: z.number().int().positive().max(10_000_000),
    }),
    idempotent: true,
    success: 200,
    async handler(request, services: ApiServices) {
      const { expertId } = request.params;
      const { name, email, phone, locale, feePerVisitCents } = request.body;
      const result = await command(request, services, { type: 'updateExpertProfile', data: { expertId, name, contact: { email, phone }, locale, feePerVisitCents } });
      const a = await answer(services, expertId, result);
      const s = result.state;
      return { ...a, body: s.status === 'unknown' ? a.body : { ...a.body, name: s.name, contact: s.contact, locale: s.locale, feePerVisitCents: s.feePerVisitCents } };
    },
  }),
  route({
    method: 'put',
    path: '/experts/:expertId/skills',
    readsNext: ['experts'],
    summary: "Replace an expert's skills (admin)",
    tag: 'Experts',
    roles: ['admin'],
    params: ExpertParams,
    body: z.object({ skills: Skills }),
    idempotent: true,
    success: 200,
    async handler(request, services: ApiServices) {
      const { expertId } = request.params;
      return answer(services, expertId, await command(request, services, { type: 'updateSkills', data: { expertId, skills: request.body.skills } }));
    },
  }),
  route({
    method: 'put',
    path: '/experts/:expertId/service-area',
    readsNext: ['experts'],
    summary: 'Replace the home location and service area (the expert themself or admin)',
    tag: 'Experts',
    roles: ['expert', 'admin'],
    params: ExpertParams,
    body: z.object({ homeLocation: GeoPointSchema, serviceArea: ServiceAreaSchema }),
    idempotent: true,
    success: 200,
    async handler(request, services: ApiServices) {
      const { expertId } = request.params;
      assertSelfOr(request.user, expertId, ['admin']);
      const { homeLocation, serviceArea } = request.body;
      return answer(services, expertId, await command(request, services, { type: 'updateServiceArea', data: { expertId, homeLocation, serviceArea } }));
    },
  }),
  route({
    method: 'put',
    path: '/experts/:expertId/availability',
    readsNext: ['experts'],
    summary: 'Replace the weekly availability (seven days, Sunday first; the expert themself, helpdesk or admin)',
    tag: 'Experts',
    roles: ['expert', 'helpdesk', 'admin'],
    params: ExpertParams,
    body: z.object({ availability: AvailabilitySchema }),
    idempotent: true,
    success: 200,
    async handler(request, services: ApiServices) {
      const { expertId } = request.params;
      assertSelfOr(request.user, expertId, ['helpdesk', 'admin']);
      return answer(services, expertId, await command(request, services, { type: 'updateAvailability', data: { expertId, availability: request.body.availability } }));
    },
  }),
  route({
    method: 'post',
    path: '/experts/:expertId/time-off',
    readsNext: ['experts'],
    summary: 'Record time off (never over a booking; the expert themself, helpdesk or admin)',
    tag: 'Experts',
    roles: ['expert', 'helpdesk', 'admin'],
    params: ExpertParams,
    body: z.object({ range: RangeSchema, reason: z.string().trim().min(1).max(500) }),
    idempotent: true,
    success: 201,
    async handler(request, services: ApiServices) {
      const { expertId } = request.params;
      assertSelfOr(request.user, expertId, ['helpdesk', 'admin']);
      const timeOffId = randomUUID();
      const result = await command(request, services, { type: 'addTimeOff', data: { expertId, timeOffId, range: request.body.range, reason: request.body.reason } });
      const recorded = result.events.find((e) => e.type === 'ExpertTimeOffAdded');
      const id = recorded ? (recorded.data as { timeOffId: string }).timeOffId : timeOffId;
      const a = await answer(services, expertId, result, 201);
      return { ...a, body: { ...a.body, timeOffId: id }, headers: { ...a.headers, Location: `/experts/${expertId}/time-off/${id}` } };
    },
  }),
  route({
    method: 'delete',
    path: '/experts/:expertId/time-off/:timeOffId',
    readsNext: ['experts'],
    summary: 'Remove time off',
    tag: 'Experts',
    roles: ['expert', 'helpdesk', 'admin'],
    params: z.object({ expertId: Id, timeOffId: Id }),
    idempotent: true,
    success: 204,
    async handler(request, services: ApiServices) {
      const { expertId, timeOffId } = request.params;
      assertSelfOr(request.user, expertId, ['helpdesk', 'admin']);
      const result = await command(request, services, { type: 'removeTimeOff', data: { expertId, timeOffId } });
      return written(result, undefined, 204);
    },
  }),
  route({
    method: 'post',
    path: '/experts/:expertId/deactivate',
    readsNext: ['experts'],
    summary: 'Deactivate an expert (force releases their future bookings)',
    tag: 'Experts',
    roles: ['admin'],
    params: ExpertParams,
    body: z.object({ reason: z.string().trim().min(1).max(500), force: z.boolean().optional() }),
    idempotent: true,
    success: 200,
    async handler(request, services: ApiServices) {
      const { expertId } = request.params;
      const { reason, force } = request.body;
      const result = await command(request, services, { type: 'deactivateExpert', data: { expertId, reason, ...(force !== undefined ? { force } : {}) } });
      const released = result.events.find((e) => e.type === 'ExpertDeactivated');
      const a = await answer(services, expertId, result);
      return { ...a, body: { ...a.body, releasedBookings: released ? (released.data as { releasedBookings: unknown[] }).releasedBookings : [] } };
    },
  }),
  route({
    method: 'post',
    path: '/experts/:expertId/reactivate',
    readsNext: ['experts'],
    summary: 'Reactivate an expert',
    tag: 'Experts',
    roles: ['admin'],
    params: ExpertParams,
    idempotent: true,
    success: 200,
    async handler(request, services: ApiServices) {
      const { expertId } = request.params;
      return answer(services, expertId, await command(request, services, { type: 'reactivateExpert', data: { expertId } }));
    },
  }),
];
