import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { applianceModels } from '../../commands/appliance-model';
import { planPriceList } from '../../commands/plan-prices';
import { ApplianceModelState, FreeTextMatch, matchFreeText, matchKey, suggestModelId } from '../../domain/catalog/appliance-model';
import { firstVisits } from '../../domain/catalog/first-visit';
import { MAX_MONTHLY_PRICE_CENTS, PLAN_TIERS, PlanPriceEvent, PlanTier, priceAt } from '../../domain/catalog/plan-prices';
import { CATALOG_MODELS, CatalogModelDoc } from '../../projections/appliance-catalog/projection';
import { USERS, UserDoc } from '../../projections/users/projection';
import { etag, route, RouteTable, written } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { planPrices, TierPrice } from '../../read-models/plan-prices';
import { STAFF } from './roles';
import { domainEnum } from './domain-enums';

const Id = z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
const ModelParams = z.object({ modelId: Id });
const Name = z.string().trim().min(1).max(100).refine((s) => matchKey(s).length > 0, 'must contain letters or digits');
const Skills = z.array(z.string().trim().min(1).max(100)).min(1).max(30);
const Aliases = z.array(z.string().trim().min(1).max(100).refine((s) => matchKey(s).length > 0, 'must contain letters or digits')).max(30);
const Bool = z.enum(['true', 'false']).transform((v) => v === 'true');

// ---- answers --------------------------------------------------------------------------------

/** An appliance model of the catalog. */
export const CatalogModel = z.strictObject({
  modelId: z.string().describe('Derived from brand and model, e.g. whirlpool-wtw5000dw'),
  brand: z.string(),
  model: z.string(),
  category: z.string().describe('Lower case, words joined by dashes, e.g. washer or range-hood'),
  requiredSkills: z.array(z.string()).describe('Every expert sent to a ticket about this model has these skills'),
  aliases: z.array(z.string()).describe('Other spellings customers use, matched by free text'),
  retired: z.boolean().describe('Retired models can no longer be picked for new tickets'),
  successorId: z.string().nullable().describe('The listed model that replaced a retired one: a new ticket naming this model is recorded with it'),
  addedAt: z.string(),
});
export type CatalogModel = z.infer<typeof CatalogModel>;

const CatalogModelList = z.strictObject({ models: z.array(CatalogModel).describe('By brand, then model') });
const ModelMatches = z.strictObject({
  text: z.string().describe('The text matched, as given (trimmed)'),
  matches: z
    .array(
      z.strictObject({
        modelId: z.string(),
        score: z.number().describe('0 < score ≤ 1: 1 is brand and model (or an alias) found in the text'),
        matchedOn: domainEnum<FreeTextMatch['matchedOn']>()(['model', 'alias', 'partial', 'brand']).describe('What carried the score: the model name, an alias, part of a name, or only the brand'),
        model: CatalogModel,
      }),
    )
    .describe('Best first'),
});
const ModelAdded = CatalogModel.omit({ addedAt: true });
const ModelChanged = CatalogModel.pick({ modelId: true, requiredSkills: true, aliases: true, retired: true });
const ModelRetirement = CatalogModel.pick({ modelId: true, retired: true });

function view(doc: CatalogModelDoc): CatalogModel {
  const { _id, revision: _r, ...rest } = doc;
  return rest;
}

/** The model a successful command left behind (one that ran on a model always has one). */
function known(state: ApplianceModelState, modelId: string): Exclude<ApplianceModelState, { status: 'unknown' }> {
  if (state.status === 'unknown') throw new Error(`appliance model ${modelId}: no model after a successful command`);
  return state;
}

async function models(services: ApiServices) {
  return services.readModels.collection<CatalogModelDoc>(CATALOG_MODELS);
}

const Tier = domainEnum<PlanTier>()(['basic', 'standard', 'premium']);
const Cents = z.number().int().describe('Monthly price in cents');

/** A tier's price; who set it and what comes next only for staff. */
const TierPriceView = z.strictObject({
  tier: Tier,
  monthlyPriceCents: Cents,
  currency: z.string().describe('ISO 4217 code'),
  updatedAt: z.string().nullable().optional().describe('Staff only: when the price in effect was set; null for the launch price'),
  updatedBy: z.string().nullable().optional().describe('Staff only: the user id of the admin who set it; null for the launch price'),
  updatedByEmail: z.string().nullable().optional().describe("Staff only: that admin's login email, when the user is known"),
  nextPrice: z
    .strictObject({ monthlyPriceCents: Cents, effectiveFrom: z.string() })
    .nullable()
    .optional()
    .describe('Staff only: a price already set to take effect later'),
});
const PlanTiers = z.strictObject({ tiers: z.array(TierPriceView).describe('Cheapest tier first') });

const PlanPriceChanged = z.strictObject({
  tier: Tier,
  monthlyPriceCents: Cents.describe('The price set'),
  previousCents: Cents.describe('The price it replaces (unchanged when the price was already this one)'),
  effectiveFrom: z.string().describe('From when purchases pay it; plans bought before keep their price'),
  currency: z.string(),
});

/** A tier's price as the public sees it, or with who set it (`emails` by user id) for staff. */
function tierView(price: TierPrice, emails: ReadonlyMap<string, string> | null): z.infer<typeof TierPriceView> {
  const base = { tier: price.tier, monthlyPriceCents: price.monthlyPriceCents, currency: 'USD' };
  if (!emails) return base;
  const nextPrice = price.next ? { monthlyPriceCents: price.next.monthlyPriceCents, effectiveFrom: price.next.effectiveFrom } : null;
  const updatedByEmail = price.updatedBy ? (emails.get(price.updatedBy) ?? null) : null;
  return { ...base, updatedAt: price.updatedAt, updatedBy: price.updatedBy, updatedByEmail, nextPrice };
}

/** The login emails of the admins who set the prices, by user id (a handful at most). */
async function setterEmails(services: ApiServices, prices: readonly TierPrice[]): Promise<Map<string, string>> {
  const users = await services.readModels.collection<UserDoc>(USERS);
  const ids = [...new Set(prices.flatMap((p) => (p.updatedBy ? [p.updatedBy] : [])))];
  const docs = await Promise.all(ids.map((_id) => users.findOne({ _id })));
  return new Map(docs.flatMap((d) => (d ? [[d._id, d.email] as const] : [])));
}

export const catalogRoutes: RouteTable<ApiServices> = [
  route({
    method: 'get',
    path: '/catalog/support-plans',
    summary: 'The support plan tiers a customer can buy for a product, with the monthly prices a purchase pays now (staff also see who set each and any price set for later)',
    tag: 'Catalog',
    roles: 'public',
    operationId: 'listSupportPlanTiers',
    response: PlanTiers,
    success: 200,
    async handler({ user }, services: ApiServices) {
      const staff = user.userId !== 'anonymous' && (STAFF as readonly string[]).includes(user.role);
      const prices = await planPrices(services.readModels, services.clock());
      const emails = staff ? await setterEmails(services, prices) : null;
      const tiers = prices.map((p) => tierView(p, emails));
      // Prices change when an admin sets one: shared caches keep them briefly, staff answers never.
      const headers = { 'Cache-Control': staff ? 'private, no-store' : 'public, max-age=60' };
      return { status: 200, body: { tiers } satisfies z.infer<typeof PlanTiers>, headers };
    },
  }),
  route({
    method: 'put',
    path: '/catalog/support-plans/:tier',
    operationId: 'setPlanPrice',
    readsNext: ['plan-prices'],
    summary: 'Set the monthly price of a support plan tier: purchases from effectiveFrom on (now when absent) pay it; plans already bought keep their price',
    tag: 'Catalog',
    roles: ['admin'],
    params: z.object({ tier: z.enum(PLAN_TIERS as [PlanTier, ...PlanTier[]], { error: `a tier is one of ${PLAN_TIERS.join(', ')}` }) }),
    body: z.object({
      monthlyPriceCents: z
        .number({ error: 'give the price as a whole number of cents' })
        .int('give the price as a whole number of cents')
        .positive('a price is more than zero')
        .max(MAX_MONTHLY_PRICE_CENTS, `a monthly price is at most ${MAX_MONTHLY_PRICE_CENTS / 100} dollars`),
      effectiveFrom: z.iso.datetime({ offset: true, error: 'an ISO-8601 instant, e.g. 2026-07-01T00:00:00Z' }).optional(),
    }),
    idempotent: true,
    success: 200,
    response: PlanPriceChanged,
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      const metadata = request.command();
      const result = await send(services.commands, planPriceList, {
        type: 'setPlanPrice',
        data: { tier: params.tier, monthlyPriceCents: body.monthlyPriceCents, ...(body.effectiveFrom !== undefined ? { effectiveFrom: body.effectiveFrom } : {}) },
        metadata,
      });
      // A repeated command answers with what it recorded the first time; the price already set records nothing.
      const recorded = result.events.find((e) => e.type === 'PlanPriceSet')?.data as PlanPriceEvent['data'] | undefined;
      const effectiveFrom = recorded?.effectiveFrom ?? new Date(body.effectiveFrom ?? metadata.now).toISOString();
      const monthlyPriceCents = recorded?.monthlyPriceCents ?? priceAt(result.state, params.tier, effectiveFrom);
      const changed = { tier: params.tier, monthlyPriceCents, previousCents: recorded?.previousCents ?? monthlyPriceCents, effectiveFrom };
      return written(result, { ...changed, currency: 'USD' } satisfies z.infer<typeof PlanPriceChanged>);
    },
  }),
  route({
    method: 'get',
    path: '/catalog/categories',
    summary: "Appliance categories of the listed models, each with the first visit a new ticket proposes (skills, experts, usual duration)",
    tag: 'Catalog',
    roles: 'public',
    operationId: 'listCategories',
    response: z.object({
      categories: z.array(
        z.object({
          category: z.string(),
          firstVisit: z.object({ skills: z.array(z.string()), expertsNeeded: z.number().int(), durationMinutes: z.number().int() }).describe('What a ticket for this kind of appliance starts with'),
        }),
      ),
    }),
    success: 200,
    async handler(_request, services: ApiServices) {
      const docs = await (await models(services)).find({ retired: false });
      return { status: 200, body: { categories: firstVisits(docs) }, headers: { 'Cache-Control': 'public, max-age=60' } };
    },
  }),
  route({
    method: 'get',
    path: '/catalog/models',
    operationId: 'listApplianceModels',
    summary: 'The appliance models for the ticket form (cacheable); retired ones only for staff with includeRetired=true',
    tag: 'Catalog',
    roles: 'public',
    query: z.object({
      category: z.string().trim().min(1).max(100).optional(),
      includeRetired: Bool.optional(),
    }),
    success: 200,
    response: CatalogModelList,
    async handler({ query, user }, services: ApiServices) {
      const staff = user.userId !== 'anonymous' && (STAFF as readonly string[]).includes(user.role);
      if (query.includeRetired && !staff) throw new HttpProblem(403, 'Forbidden', 'Only staff may list retired models.');
      const filter = { ...(query.includeRetired ? {} : { retired: false }), ...(query.category ? { category: query.category.toLowerCase().replace(/\s+/g, '-') } : {}) };
      const docs = await (await models(services)).find(filter, { sort: { brand: 1, model: 1, _id: 1 } });
      const headers: Record<string, string> = query.includeRetired ? { 'Cache-Control': 'private, no-store' } : { 'Cache-Control': 'public, max-age=60' };
      return { status: 200, body: { models: docs.map(view) } satisfies z.infer<typeof CatalogModelList>, headers };
    },
  }),
  route({
    method: 'get',
    path: '/catalog/models/match',
    operationId: 'matchApplianceModels',
    summary: "Free text (a customer's spelling of a model) → the best listed catalog models, best first",
    tag: 'Catalog',
    roles: 'public',
    query: z.object({ text: z.string().trim().min(1).max(500), limit: z.coerce.number().int().min(1).max(50).default(5) }),
    success: 200,
    response: ModelMatches,
    async handler({ query }, services: ApiServices) {
      const docs = await (await models(services)).find({ retired: false });
      const byId = new Map(docs.map((d) => [d.modelId, d]));
      const matches = matchFreeText(docs, query.text)
        .slice(0, query.limit)
        .map((m) => ({ ...m, model: view(byId.get(m.modelId)!) }));
      return { status: 200, body: { text: query.text, matches } satisfies z.infer<typeof ModelMatches> };
    },
  }),
  route({
    method: 'get',
    path: '/catalog/models/:modelId',
    operationId: 'getApplianceModel',
    summary: 'One appliance model',
    tag: 'Catalog',
    roles: 'public',
    params: ModelParams,
    success: 200,
    response: CatalogModel,
    async handler({ params }, services: ApiServices) {
      const doc = await (await models(services)).findOne({ _id: params.modelId });
      if (!doc) throw new HttpProblem(404, 'Not found', `No appliance model ${params.modelId}.`);
      return { status: 200, body: view(doc), headers: { ETag: etag(doc.revision) } };
    },
  }),
  route({
    method: 'post',
    path: '/catalog/models',
    operationId: 'addApplianceModel',
    readsNext: ['catalog'],
    summary: 'Add an appliance model (id derived from brand and model, so a duplicate is refused)',
    tag: 'Catalog',
    roles: ['admin'],
    body: z.object({ brand: Name, model: Name, category: z.string().trim().min(1).max(100), requiredSkills: Skills, aliases: Aliases.optional() }),
    idempotent: true,
    success: 201,
    response: ModelAdded,
    async handler(request, services: ApiServices) {
      const { body } = request;
      const modelId = suggestModelId(body.brand, body.model);
      const result = await send(services.commands, applianceModels, {
        type: 'addApplianceModel',
        data: { modelId, brand: body.brand, model: body.model, category: body.category, requiredSkills: body.requiredSkills, aliases: body.aliases ?? [] },
        metadata: request.command(),
      });
      const state = known(result.state, modelId);
      const added: z.infer<typeof ModelAdded> = { modelId, brand: state.brand, model: state.model, category: state.category, requiredSkills: state.requiredSkills, aliases: state.aliases, retired: state.status === 'retired', successorId: state.successorId };
      return {
        status: 201,
        body: added,
        headers: { Location: `/catalog/models/${modelId}`, ETag: etag(result.revision) },
        position: result.position,
      };
    },
  }),
  route({
    method: 'patch',
    path: '/catalog/models/:modelId',
    operationId: 'updateApplianceModel',
    readsNext: ['catalog'],
    summary: 'Change the required skills and/or aliases of a model (If-Match optional)',
    tag: 'Catalog',
    roles: ['admin'],
    params: ModelParams,
    body: z
      .object({ requiredSkills: Skills.optional(), aliases: Aliases.optional() })
      .refine((b) => b.requiredSkills !== undefined || b.aliases !== undefined, 'give requiredSkills, aliases or both'),
    idempotent: true,
    success: 200,
    response: ModelChanged,
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      const result = await send(
        services.commands,
        applianceModels,
        {
          type: 'updateApplianceModel',
          data: { modelId: params.modelId, ...(body.requiredSkills ? { requiredSkills: body.requiredSkills } : {}), ...(body.aliases ? { aliases: body.aliases } : {}) },
          metadata: request.command(),
        },
        request.expected,
      );
      const s = known(result.state, params.modelId);
      const changed: z.infer<typeof ModelChanged> = { modelId: s.modelId, requiredSkills: s.requiredSkills, aliases: s.aliases, retired: s.status === 'retired' };
      return {
        status: 200,
        body: changed,
        headers: { ETag: etag(result.revision) },
        position: result.position,
      };
    },
  }),
  route({
    method: 'post',
    path: '/catalog/models/:modelId/retire',
    readsNext: ['catalog'],
    summary:
      'Retire a model: new tickets can no longer pick it. With successorId (a listed model of the same category), a new ticket naming the retired model is recorded with its successor',
    tag: 'Catalog',
    roles: ['admin'],
    params: ModelParams,
    body: z.object({ successorId: Id.optional() }),
    idempotent: true,
    success: 200,
    operationId: 'retireApplianceModel',
    response: ModelRetirement.extend({ successorId: z.string().nullable() }),
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      if (body.successorId !== undefined && body.successorId !== params.modelId) {
        const [retiring, successor] = await Promise.all([(await models(services)).findOne({ _id: params.modelId }), (await models(services)).findOne({ _id: body.successorId })]);
        const refuse = (detail: string) => new HttpProblem(422, 'Invalid successor', detail, { code: 'invalid-successor' });
        if (!successor) throw refuse(`The catalog has no model ${body.successorId}.`);
        if (successor.retired) throw refuse(`${body.successorId} is retired too: name a listed model.`);
        if (retiring && retiring.category !== successor.category) throw refuse(`${body.successorId} is a ${successor.category}, not a ${retiring.category}.`);
      }
      const result = await send(services.commands, applianceModels, {
        type: 'retireApplianceModel',
        data: { modelId: params.modelId, ...(body.successorId !== undefined ? { successorId: body.successorId } : {}) },
        metadata: request.command(),
      });
      const s = result.state;
      return written(result, { modelId: params.modelId, retired: s.status === 'retired', successorId: s.status === 'unknown' ? null : s.successorId });
    },
  }),
  route({
    method: 'post',
    path: '/catalog/models/:modelId/reinstate',
    readsNext: ['catalog'],
    summary: 'Reinstate a retired model (its successor is dropped)',
    tag: 'Catalog',
    roles: ['admin'],
    params: ModelParams,
    idempotent: true,
    success: 200,
    operationId: 'reinstateApplianceModel',
    response: ModelRetirement,
    async handler(request, services: ApiServices) {
      const { params } = request;
      const result = await send(services.commands, applianceModels, { type: 'reinstateApplianceModel', data: { modelId: params.modelId }, metadata: request.command() });
      return written(result, { modelId: params.modelId, retired: result.state.status === 'retired' });
    },
  }),
];

