import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { experts } from '../../commands/expert';
import { userAccounts } from '../../commands/user-account';
import { isTimeZone } from '../../domain/expert/availability';
import { Booking } from '../../domain/expert/calendar';
import { ExpertCommand } from '../../domain/expert/expert';
import { EXPERTS, ExpertDoc, ExpertProfileDoc } from '../../projections/experts/projection';
import { withCalendars } from '../../read-models/expert-directory';
import { AuthUser, route, RouteRequest, RouteTable, written } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { releaseEmail, reserveEmail } from '../auth/email-reservations';
import { accountIdFor, GeoPointSchema } from './auth';
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

// ---- answers ------------------------------------------------------------------------------

const AnInstant = z.iso.datetime({ offset: true });

/** A half-open interval [start, end) of ISO-8601 instants. */
export const TimeRangeSchema = z.strictObject({ start: AnInstant, end: AnInstant }).describe('A half-open interval [start, end): it ends just before `end`.');
export const CoordinatesSchema = z.strictObject({ lat: z.number().describe('Latitude, WGS 84 degrees'), lon: z.number().describe('Longitude, WGS 84 degrees') });
export const ExpertServiceAreaSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('radius'), radiusKm: z.number().describe('Kilometres around the home location') }),
    z.strictObject({ kind: z.literal('areas'), areas: z.array(z.string()).describe('Named areas served (postal codes, districts)') }),
  ])
  .describe('Where the expert works: a radius around their home, or a list of named areas.');
export const WeeklyAvailabilitySchema = z
  .strictObject({
    timeZone: z.string().describe("IANA time zone the slots are in, e.g. 'America/Chicago'"),
    days: z
      .array(z.array(z.strictObject({ from: z.string().describe("'HH:MM', local time"), to: z.string().describe("'HH:MM' ('24:00' for the end of the day)") })))
      .describe('Exactly seven lists of slots, Sunday first (index as Date#getDay)'),
  })
  .describe('Weekly working hours: advisory, a booking outside them is allowed.');
export const BookingSchema = z.strictObject({ visitId: z.string(), range: TimeRangeSchema });
export const TimeOffSchema = z.strictObject({ timeOffId: z.string(), range: TimeRangeSchema, reason: z.string() });

/** An expert's profile and calendar, as the experts read model shows them. */
export const ExpertSchema = z.strictObject({
  expertId: z.string(),
  name: z.string(),
  email: z.string().describe('Where messages go (the login e-mail may differ)'),
  phone: z.string(),
  locale: z.string().describe("e.g. 'en-US'"),
  skills: z.array(z.string()).describe('Normalized: lower case, single spaces'),
  home: CoordinatesSchema.describe('Home location, where a service radius is measured from'),
  serviceArea: ExpertServiceAreaSchema,
  serviceRadiusKm: z.number().describe('The radius of a radius service area; 0 for named areas'),
  availability: WeeklyAvailabilitySchema,
  active: z.boolean(),
  deactivationReason: z.string().nullable().describe('Why the expert was deactivated; null while active'),
  feePerVisitCents: z.number().int(),
  bookings: z.array(BookingSchema).describe('The visits the expert is booked for, earliest first'),
  timeOff: z.array(TimeOffSchema).describe('Earliest first'),
  ratings: z.array(z.strictObject({ ticketId: z.string(), rating: z.number().int().min(1).max(5) })).describe('Survey ratings of the tickets the expert worked on, one per ticket'),
  rating: z.number().nullable().describe('Average of `ratings`; null when there are none'),
  onboardedAt: AnInstant,
});
export type Expert = z.infer<typeof ExpertSchema>;

export const ExpertListSchema = z.strictObject({ experts: z.array(ExpertSchema), total: z.number().int().describe('Experts matching the filter, all pages together') });

/** The expert as a command left them (the Expert aggregate's state: no bookings). */
export const ExpertStateSchema = z.strictObject({
  expertId: z.string(),
  status: z.enum(['active', 'inactive']),
  skills: z.array(z.string()),
  serviceArea: ExpertServiceAreaSchema,
  homeLocation: CoordinatesSchema,
  availability: WeeklyAvailabilitySchema,
  timeOff: z.array(TimeOffSchema),
});
export type ExpertState = z.infer<typeof ExpertStateSchema>;

/** After a profile update: the state and the profile just written. */
export const ExpertProfileStateSchema = ExpertStateSchema.extend({
  name: z.string(),
  contact: z.strictObject({ email: z.string().describe('Where messages go (the login e-mail is unchanged)'), phone: z.string() }),
  locale: z.string(),
  feePerVisitCents: z.number().int(),
});
type ExpertProfileState = z.infer<typeof ExpertProfileStateSchema>;
export const ExpertTimeOffAddedSchema = ExpertStateSchema.extend({ timeOffId: z.string().describe('The new time off, to remove it later') });
export const ExpertDeactivatedSchema = ExpertStateSchema.extend({
  releasedBookings: z.array(BookingSchema).describe('The unfinished bookings a forced deactivation released: their visits need another expert (empty otherwise)'),
});

export const OnboardedExpertSchema = z.strictObject({ expertId: z.string(), userId: z.string().describe("The expert's login account"), email: z.string().describe('The login e-mail') });

function view(doc: ExpertDoc): Expert {
  const { _id, projectedThrough: _through, releasedThrough: _released, ...rest } = doc;
  return rest;
}

async function command(request: RouteRequest<unknown, unknown, unknown>, services: ApiServices, c: Omit<ExpertCommand, 'metadata'>) {
  return send(services.commands, experts, { ...c, metadata: request.command() } as ExpertCommand, request.expected);
}

/** The onboarded expert a command acted on (a command on an unknown expert fails before this). */
function onboarded(expertId: string, result: Awaited<ReturnType<typeof command>>) {
  const s = result.state;
  if (s.status === 'unknown') throw new Error(`expert ${expertId}: a command succeeded on an expert never onboarded`);
  return s;
}

function stateView(expertId: string, result: Awaited<ReturnType<typeof command>>): ExpertState {
  const s = onboarded(expertId, result);
  return { expertId, status: s.status, skills: s.skills, serviceArea: s.serviceArea, homeLocation: s.homeLocation, availability: s.availability, timeOff: s.timeOff };
}

function answer(expertId: string, result: Awaited<ReturnType<typeof command>>, status = 200) {
  return written(result, stateView(expertId, result), status);
}

export const expertRoutes: RouteTable<ApiServices> = [
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
    operationId: 'onboardExpert',
    response: OnboardedExpertSchema,
    async handler(request, services: ApiServices) {
      const { body } = request;
      const metadata = request.command();
      const expertId = accountIdFor('expert', body.email, metadata.commandId);
      // First: a 503 from a burst of hashing leaves nothing half-onboarded.
      const passwordHash = await services.passwords.hash(body.password);
      const userId = accountIdFor('user', body.email, metadata.commandId);
      await reserveEmail(services, body.email, userId, metadata.now);
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
        await releaseEmail(services, body.email, userId);
        throw error;
      }
      const registered = await send(services.commands, userAccounts, {
        type: 'registerUser',
        data: { userId, email: body.email, role: 'expert', expertId, passwordHash },
        metadata: { ...metadata, commandId: `${metadata.commandId}:user` },
      });
      const onboardedExpert: z.infer<typeof OnboardedExpertSchema> = { expertId, userId, email: body.email };
      return { status: 201, body: onboardedExpert, headers: { Location: `/experts/${expertId}` }, position: registered.position };
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
    operationId: 'listExperts',
    response: ExpertListSchema,
    async handler({ query }, services: ApiServices) {
      const collection = await services.readModels.collection<ExpertProfileDoc>(EXPERTS);
      const filter = {
        ...(query.skill ? { skills: query.skill.toLowerCase().replace(/\s+/g, ' ') } : {}),
        ...(query.active !== undefined ? { active: query.active } : {}),
      };
      const docs = await withCalendars(services.readModels, await collection.find(filter, { sort: { name: 1, _id: 1 }, limit: query.limit, skip: query.skip }));
      const body: z.infer<typeof ExpertListSchema> = { experts: docs.map(view), total: await collection.count(filter) };
      return { status: 200, body };
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
    operationId: 'getExpert',
    response: ExpertSchema,
    async handler({ params, user }, services: ApiServices) {
      assertSelfOr(user, params.expertId, STAFF);
      const profile = await (await services.readModels.collection<ExpertProfileDoc>(EXPERTS)).findOne({ _id: params.expertId });
      if (!profile) throw new HttpProblem(404, 'Not found', `No expert ${params.expertId}.`);
      const [doc] = await withCalendars(services.readModels, [profile]);
      return { status: 200, body: view(doc!) };
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
    operationId: 'updateExpertProfile',
    response: ExpertProfileStateSchema,
    async handler(request, services: ApiServices) {
      const { expertId } = request.params;
      const { name, email, phone, locale, feePerVisitCents } = request.body;
      const result = await command(request, services, { type: 'updateExpertProfile', data: { expertId, name, contact: { email, phone }, locale, feePerVisitCents } });
      const s = onboarded(expertId, result);
      const body: ExpertProfileState = { ...stateView(expertId, result), name: s.name, contact: s.contact, locale: s.locale, feePerVisitCents: s.feePerVisitCents };
      return written(result, body);
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
    operationId: 'setExpertSkills',
    response: ExpertStateSchema,
    async handler(request, services: ApiServices) {
      const { expertId } = request.params;
      return answer(expertId, await command(request, services, { type: 'updateSkills', data: { expertId, skills: request.body.skills } }));
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
    operationId: 'setExpertServiceArea',
    response: ExpertStateSchema,
    async handler(request, services: ApiServices) {
      const { expertId } = request.params;
      assertSelfOr(request.user, expertId, ['admin']);
      const { homeLocation, serviceArea } = request.body;
      return answer(expertId, await command(request, services, { type: 'updateServiceArea', data: { expertId, homeLocation, serviceArea } }));
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
    operationId: 'setExpertAvailability',
    response: ExpertStateSchema,
    async handler(request, services: ApiServices) {
      const { expertId } = request.params;
      assertSelfOr(request.user, expertId, ['helpdesk', 'admin']);
      return answer(expertId, await command(request, services, { type: 'updateAvailability', data: { expertId, availability: request.body.availability } }));
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
    operationId: 'addExpertTimeOff',
    response: ExpertTimeOffAddedSchema,
    async handler(request, services: ApiServices) {
      const { expertId } = request.params;
      assertSelfOr(request.user, expertId, ['helpdesk', 'admin']);
      const timeOffId = randomUUID();
      const result = await command(request, services, { type: 'addTimeOff', data: { expertId, timeOffId, range: request.body.range, reason: request.body.reason } });
      const recorded = result.events.find((e) => e.type === 'ExpertTimeOffAdded');
      const id = recorded ? (recorded.data as { timeOffId: string }).timeOffId : timeOffId;
      const a = answer(expertId, result, 201);
      const body: z.infer<typeof ExpertTimeOffAddedSchema> = { ...a.body, timeOffId: id };
      return { ...a, body, headers: { ...a.headers, Location: `/experts/${expertId}/time-off/${id}` } };
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
    operationId: 'removeExpertTimeOff',
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
    operationId: 'deactivateExpert',
    response: ExpertDeactivatedSchema,
    async handler(request, services: ApiServices) {
      const { expertId } = request.params;
      const { reason, force } = request.body;
      const result = await command(request, services, { type: 'deactivateExpert', data: { expertId, reason, ...(force !== undefined ? { force } : {}) } });
      const released = result.events.find((e) => e.type === 'ExpertDeactivated');
      const a = answer(expertId, result);
      const body: z.infer<typeof ExpertDeactivatedSchema> = { ...a.body, releasedBookings: released ? (released.data as { releasedBookings: Booking[] }).releasedBookings : [] };
      return { ...a, body };
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
    operationId: 'reactivateExpert',
    response: ExpertStateSchema,
    async handler(request, services: ApiServices) {
      const { expertId } = request.params;
      return answer(expertId, await command(request, services, { type: 'reactivateExpert', data: { expertId } }));
    },
  }),
];
