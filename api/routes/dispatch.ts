import { z } from 'zod';
import { availableStretches } from '../../domain/expert/availability';
import { servesLocation } from '../../domain/expert/expert';
import { ms, TimeRange } from '../../domain/shared/time';
import { CUSTOMERS, CustomerDoc } from '../../projections/customers/projection';
import { EXPERT_BOOKINGS, ExpertBookingDoc, EXPERTS, ExpertProfileDoc } from '../../projections/experts/projection';
import { VISITS, VisitDoc } from '../../projections/visits/projection';
import { route, RouteTable } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { TimeRangeSchema } from './experts';
import { STAFF } from './roles';
import { PriorityEnum, VisitStatusEnum } from './domain-enums';

const Instant = z.string().datetime({ offset: true });
/** A board shows a day; two at most (a day in a far time zone spans parts of three UTC days). */
const MAX_SPAN_MS = 48 * 3_600_000;

const BookingBlock = z.strictObject({
  visitId: z.string(),
  ticketId: z.string().nullable().describe('null when the visit is not in the visits read model (yet)'),
  range: TimeRangeSchema,
  status: z.union([VisitStatusEnum, z.literal('unknown')]).describe("The visit's status; unknown when the visit is not in the visits read model (yet)"),
  skills: z.array(z.string()),
  priority: PriorityEnum.nullable(),
});

export const DispatchBoardSchema = z.strictObject({
  from: z.string(),
  to: z.string(),
  experts: z
    .array(
      z.strictObject({
        expertId: z.string(),
        name: z.string(),
        skills: z.array(z.string()),
        workingHours: z.array(TimeRangeSchema).describe('The parts of the day inside their weekly hours'),
        timeOff: z.array(z.strictObject({ range: TimeRangeSchema, reason: z.string() })),
        bookings: z.array(BookingBlock).describe('Their visits overlapping the day, by start'),
      }),
    )
    .describe('Active experts (filtered by skill and area), by name'),
  openVisits: z
    .array(
      z.strictObject({
        visitId: z.string(),
        ticketId: z.string(),
        status: VisitStatusEnum,
        priority: PriorityEnum,
        skills: z.array(z.string()),
        durationMinutes: z.number().int(),
        windows: z.array(TimeRangeSchema).describe("The customer's windows overlapping the day"),
        proposals: z.number().int().describe('How many experts proposed'),
      }),
    )
    .describe('Visits waiting for an expert with a window that day (open, or whose expert cannot arrive or get in), most urgent first, then by window'),
  skills: z.array(z.string()).describe('Every skill the active experts have: the skill filter'),
});
type DispatchBoard = z.infer<typeof DispatchBoardSchema>;

const URGENCY = { urgent: 0, high: 1, normal: 2, low: 3 } as const;
const WAITING = ['open', 'cant-arrive', 'cant-enter'];

function overlaps(a: TimeRange, b: TimeRange): boolean {
  return ms(a.start) < ms(b.end) && ms(b.start) < ms(a.end);
}

/** An area's customers (its postal code or its city, in any case): who lives there, and where. */
export async function customersOfArea(services: ApiServices, area: string): Promise<Pick<CustomerDoc, 'customerId' | 'address'>[]> {
  const exact = { $regex: `^${area.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, $options: 'i' };
  return (await services.readModels.collection<CustomerDoc>(CUSTOMERS)).find({ $or: [{ 'address.postalCode': exact }, { 'address.city': exact }] }, { projection: { customerId: 1, address: 1 } });
}

export const dispatchRoutes: RouteTable<ApiServices> = [
  route({
    method: 'get',
    path: '/dispatch/board',
    summary:
      "The dispatch board for a stretch of time (a day): each active expert's working hours, time off and booked visits with their status, and the visits still waiting for an expert; filtered by skill and area (a postal code or city its customers live in)",
    tag: 'Helpdesk',
    roles: STAFF,
    query: z.object({
      from: Instant,
      to: Instant,
      skill: z.string().trim().min(1).max(100).optional(),
      area: z.string().trim().min(1).max(100).optional(),
    }),
    success: 200,
    operationId: 'getDispatchBoard',
    response: DispatchBoardSchema,
    async handler({ query }, services: ApiServices) {
      const day: TimeRange = { start: new Date(query.from).toISOString(), end: new Date(query.to).toISOString() };
      const span = ms(day.end) - ms(day.start);
      if (!(span > 0 && span <= MAX_SPAN_MS)) throw new HttpProblem(400, 'Invalid request', 'from must be before to, at most 48 hours apart.', { errors: [{ field: 'to', message: 'after from, within 48 hours' }] });
      const skill = query.skill?.toLowerCase().replace(/\s+/g, ' ');
      // An expert serves an area when they serve one of its customers' places.
      const there = query.area ? await customersOfArea(services, query.area) : null;
      const serves = (e: ExpertProfileDoc) => there === null || there.some((c) => servesLocation({ homeLocation: e.home, serviceArea: e.serviceArea }, { location: c.address.location, areaCode: c.address.postalCode }));

      const active = await (await services.readModels.collection<ExpertProfileDoc>(EXPERTS)).find({ active: true }, { sort: { name: 1, _id: 1 } });
      const shown = active.filter((e) => (!skill || e.skills.includes(skill)) && serves(e));
      // Through (expert, end): the bookings ending after the day starts, not every past one.
      const dayBookings = (
        shown.length === 0
          ? []
          : await (await services.readModels.collection<ExpertBookingDoc>(EXPERT_BOOKINGS)).find({
              expertId: { $in: shown.map((e) => e.expertId) },
              'range.end': { $gt: day.start },
              'range.start': { $lt: day.end },
            })
      ).filter((b) => overlaps(b.range, day));
      const bookingsOf = (expertId: string) => dayBookings.filter((b) => b.expertId === expertId);
      const booked = dayBookings.map((b) => b.visitId);
      const visitsCol = await services.readModels.collection<VisitDoc>(VISITS);
      const bookedVisits = new Map((booked.length > 0 ? await visitsCol.find({ _id: { $in: booked } }) : []).map((v) => [v.visitId, v]));

      const experts: DispatchBoard['experts'] = shown.map((e) => ({
        expertId: e.expertId,
        name: e.name,
        skills: e.skills,
        workingHours: availableStretches(e.availability, day),
        timeOff: e.timeOff.filter((t) => overlaps(t.range, day)).map((t) => ({ range: t.range, reason: t.reason })),
        bookings: bookingsOf(e.expertId)
          .sort((a, b) => ms(a.range.start) - ms(b.range.start))
          .map((b) => {
            const v = bookedVisits.get(b.visitId);
            return { visitId: b.visitId, ticketId: v?.ticketId ?? null, range: b.range, status: v?.status ?? 'unknown', skills: v?.skills ?? [], priority: v?.priority ?? null };
          }),
      }));

      const customersThere = there === null ? null : new Set(there.map((c) => c.customerId));
      const waiting = await visitsCol.find({ status: { $in: WAITING } }, { limit: 5000 });
      const openVisits: DispatchBoard['openVisits'] = waiting
        .filter((v) => (!skill || v.skills.includes(skill)) && (customersThere === null || (v.customerId !== null && customersThere.has(v.customerId))))
        .map((v) => ({ v, windows: (v.status === 'open' ? v.windows : v.start && v.end ? [{ start: v.start, end: v.end }] : []).filter((w) => overlaps(w, day)) }))
        .filter(({ windows }) => windows.length > 0)
        .sort((a, b) => URGENCY[a.v.priority] - URGENCY[b.v.priority] || ms(a.windows[0]!.start) - ms(b.windows[0]!.start))
        .map(({ v, windows }) => ({
          visitId: v.visitId,
          ticketId: v.ticketId,
          status: v.status,
          priority: v.priority,
          skills: v.skills,
          durationMinutes: v.durationMinutes,
          windows: windows.map((w) => ({ start: w.start, end: w.end })),
          proposals: v.proposalList.length,
        }));

      const skills = [...new Set(active.flatMap((e) => e.skills))].sort();
      return { status: 200, body: { from: day.start, to: day.end, experts, openVisits, skills } satisfies DispatchBoard };
    },
  }),
];
