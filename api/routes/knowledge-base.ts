import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { articles } from '../../commands/article';
import { deterministicUuid } from '../../commands/handler';
import { matchFreeText } from '../../domain/catalog/appliance-model';
import { suggestArticles } from '../../domain/knowledge-base/suggestions';
import { ArticleState } from '../../domain/knowledge-base/article';
import { ArticleDoc, ARTICLES } from '../../projections/articles/projection';
import { CATALOG_MODELS, CatalogModelDoc } from '../../projections/appliance-catalog/projection';
import { TicketDoc } from '../../projections/tickets/projection';
import { route, RouteTable } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { ALL_ROLES, STAFF } from './roles';
import { TicketParams, visibleTicket } from './tickets';

const WRITERS = ['expert', 'helpdesk', 'admin'] as const;
const Id = z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
const ArticleParams = z.object({ articleId: Id });
const Content = {
  title: z.string().trim().min(1).max(200),
  problem: z.string().trim().min(1).max(10_000),
  fix: z.string().trim().min(1).max(20_000),
  tags: z.array(z.string().trim().min(1).max(50)).max(30).default([]),
};

// ---- answers --------------------------------------------------------------------------------

/** A knowledge-base article as readers see it. */
export const ArticleView = z.strictObject({
  articleId: z.string(),
  title: z.string(),
  problem: z.string().describe('The symptom the article is about'),
  fix: z.string().describe('How to fix it'),
  tags: z.array(z.string()),
  applianceModelId: z.string().nullable().describe('The catalog model the article is about; null when it is about a category only'),
  category: z.string().nullable().describe('The appliance category the article is about; null when it is about a model only'),
  linkedTicketId: z.string().nullable().describe('The ticket the article was written from, if any'),
  authorId: z.string().describe('User id of the author'),
  revision: z.number().int().describe('1 when written, one more on each revision'),
  retired: z.boolean().describe('Retired articles are left out of search'),
  helpful: z.number().int().describe('Users who rated it helpful'),
  notHelpful: z.number().int().describe('Users who rated it not helpful'),
  writtenAt: z.string(),
  updatedAt: z.string(),
});
export type ArticleView = z.infer<typeof ArticleView>;

const ArticleWritten = z.strictObject({ articleId: z.string(), revision: z.number().int().describe("The article's revision now") });
const ArticleRetired = z.strictObject({ articleId: z.string(), retired: z.literal(true) });
const ArticleRated = z.strictObject({
  articleId: z.string(),
  helpful: z.boolean().describe('Your vote'),
  counts: z.strictObject({ helpful: z.number().int(), notHelpful: z.number().int() }).describe("The article's votes, yours included"),
});
const SearchHits = z.strictObject({
  hits: z
    .array(
      z.strictObject({
        score: z.number().nullable().describe('Text relevance, higher is better; null when searching without `q` (then the most helpful come first)'),
        article: ArticleView,
      }),
    )
    .describe('Best first'),
});

function view(doc: ArticleDoc): ArticleView {
  const { _id, ...rest } = doc;
  return rest;
}

/** A free-text appliance counts as a catalog model when the model name (or an alias) is in the text. */
const FREE_TEXT_MODEL_SCORE = 0.8;
/** Articles gathered by model and category, and by a full-text search of the problem, before ranking. */
const CANDIDATES_BY_SUBJECT = 200;
const CANDIDATES_BY_TEXT = 50;

export const SuggestedArticlesAnswer = z.object({
  ticketId: z.string(),
  /** What the suggestions were looked up by: the ticket's model (or the catalog model its free text names) and its category. */
  basis: z.object({ applianceModelId: z.string().nullable(), category: z.string().nullable(), modelFrom: z.enum(['ticket', 'free-text', 'none']) }),
  suggestions: z.array(
    z.object({
      score: z.number().min(0).max(1),
      matchedOn: z.array(z.enum(['model', 'category', 'words'])),
      sharedWords: z.array(z.string()),
      article: z.object({
        articleId: z.string(),
        title: z.string(),
        problem: z.string(),
        fix: z.string(),
        tags: z.array(z.string()),
        applianceModelId: z.string().nullable(),
        category: z.string().nullable(),
        linkedTicketId: z.string().nullable(),
        authorId: z.string(),
        revision: z.number().int(),
        helpful: z.number().int(),
        notHelpful: z.number().int(),
        writtenAt: z.string(),
        updatedAt: z.string(),
      }),
    }),
  ),
});
export type SuggestedArticlesAnswer = z.infer<typeof SuggestedArticlesAnswer>;

/** The ticket's appliance as the knowledge base sees it: its catalog model and category, if any. */
async function subjectOf(services: ApiServices, ticket: TicketDoc): Promise<SuggestedArticlesAnswer['basis']> {
  const models = await services.readModels.collection<CatalogModelDoc>(CATALOG_MODELS);
  if (ticket.appliance.modelId !== null) {
    const model = await models.findOne({ _id: ticket.appliance.modelId });
    return { applianceModelId: ticket.appliance.modelId, category: model?.category ?? null, modelFrom: 'ticket' };
  }
  if (ticket.appliance.text !== null) {
    const listed = await models.find({ retired: false });
    const best = matchFreeText(listed, ticket.appliance.text)[0];
    const model = best && best.score >= FREE_TEXT_MODEL_SCORE ? listed.find((m) => m.modelId === best.modelId) : undefined;
    if (model) return { applianceModelId: model.modelId, category: model.category, modelFrom: 'free-text' };
  }
  return { applianceModelId: null, category: null, modelFrom: 'none' };
}

/** The article a successful command left behind (one that ran on an article always has one). */
function known(state: ArticleState, articleId: string): Exclude<ArticleState, { status: 'unknown' }> {
  if (state.status === 'unknown') throw new Error(`article ${articleId}: no article after a successful command`);
  return state;
}

async function articleDoc(services: ApiServices, articleId: string): Promise<ArticleDoc> {
  const doc = await (await services.readModels.collection<ArticleDoc>(ARTICLES)).findOne({ _id: articleId });
  if (!doc) throw new HttpProblem(404, 'Not found', `No article ${articleId}.`);
  return doc;
}

export const knowledgeBaseRoutes: RouteTable<ApiServices> = [
  route({
    method: 'post',
    path: '/kb/articles',
    operationId: 'writeArticle',
    readsNext: ['articles'],
    summary: 'Write a knowledge-base article about an appliance model and/or a category',
    tag: 'Knowledge base',
    roles: WRITERS,
    body: z
      .object({
        ...Content,
        applianceModelId: Id.optional(),
        category: z.string().trim().min(1).max(100).optional(),
        linkedTicketId: Id.optional(),
      })
      .refine((b) => b.applianceModelId !== undefined || b.category !== undefined, { message: 'give applianceModelId or category', path: ['category'] }),
    idempotent: true,
    success: 201,
    response: ArticleWritten,
    async handler(request, services: ApiServices) {
      const { body } = request;
      const metadata = request.command();
      // From the command id: a retry after a crash (same Idempotency-Key) names the same article.
      const articleId = deterministicUuid(`article\u0000${metadata.commandId}`);
      const result = await send(services.commands, articles, {
        type: 'writeArticle',
        data: {
          articleId,
          title: body.title,
          problem: body.problem,
          fix: body.fix,
          tags: body.tags,
          ...(body.applianceModelId ? { applianceModelId: body.applianceModelId } : {}),
          ...(body.category ? { category: body.category } : {}),
          ...(body.linkedTicketId ? { linkedTicketId: body.linkedTicketId } : {}),
        },
        metadata,
      });
      const article = known(result.state, articleId);
      const answer: z.infer<typeof ArticleWritten> = { articleId: article.articleId, revision: article.revision };
      return { status: 201, body: answer, headers: { Location: `/kb/articles/${article.articleId}` }, position: result.position };
    },
  }),
  route({
    method: 'put',
    path: '/kb/articles/:articleId',
    operationId: 'reviseArticle',
    readsNext: ['articles'],
    summary: 'Revise an article (its author, helpdesk or admin)',
    tag: 'Knowledge base',
    roles: WRITERS,
    params: ArticleParams,
    body: z.object(Content),
    idempotent: true,
    success: 200,
    response: ArticleWritten,
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      const result = await send(services.commands, articles, { type: 'reviseArticle', data: { articleId: params.articleId, ...body }, metadata: request.command() });
      const answer: z.infer<typeof ArticleWritten> = { articleId: params.articleId, revision: known(result.state, params.articleId).revision };
      return { status: 200, body: answer, position: result.position };
    },
  }),
  route({
    method: 'post',
    path: '/kb/articles/:articleId/retire',
    operationId: 'retireArticle',
    readsNext: ['articles'],
    summary: 'Retire an article (its author, helpdesk or admin): it leaves search',
    tag: 'Knowledge base',
    roles: WRITERS,
    params: ArticleParams,
    body: z.object({ reason: z.string().trim().min(1).max(500) }),
    idempotent: true,
    success: 200,
    response: ArticleRetired,
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      const result = await send(services.commands, articles, { type: 'retireArticle', data: { articleId: params.articleId, reason: body.reason }, metadata: request.command() });
      return { status: 200, body: { articleId: params.articleId, retired: true } satisfies z.infer<typeof ArticleRetired>, position: result.position };
    },
  }),
  route({
    method: 'post',
    path: '/kb/articles/:articleId/rating',
    operationId: 'rateArticle',
    readsNext: ['articles'],
    summary: 'Rate an article helpful or not: one vote per user, voting again replaces it',
    tag: 'Knowledge base',
    roles: ALL_ROLES,
    params: ArticleParams,
    body: z.object({ helpful: z.boolean() }),
    idempotent: true,
    success: 200,
    response: ArticleRated,
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      const result = await send(services.commands, articles, { type: 'rateArticle', data: { articleId: params.articleId, helpful: body.helpful }, metadata: request.command() });
      const s = known(result.state, params.articleId);
      const answer: z.infer<typeof ArticleRated> = { articleId: params.articleId, helpful: body.helpful, counts: { helpful: s.helpful, notHelpful: s.notHelpful } };
      return {
        status: 200,
        body: answer,
        position: result.position,
      };
    },
  }),
  route({
    method: 'get',
    path: '/kb/articles/:articleId',
    operationId: 'getArticle',
    summary: 'One article',
    tag: 'Knowledge base',
    roles: ALL_ROLES,
    params: ArticleParams,
    success: 200,
    response: ArticleView,
    async handler({ params }, services: ApiServices) {
      return { status: 200, body: view(await articleDoc(services, params.articleId)) };
    },
  }),
  route({
    method: 'get',
    path: '/tickets/:ticketId/suggested-articles',
    summary:
      "Knowledge-base articles that may help with a ticket, best first: about its appliance model (or the catalog model its free text names), its category, and sharing its problem's words (staff, or an expert on the ticket)",
    tag: 'Knowledge base',
    roles: ['expert', ...STAFF],
    params: TicketParams,
    query: z.object({ limit: z.coerce.number().int().min(1).max(20).default(5) }),
    success: 200,
    operationId: 'suggestArticlesForTicket',
    response: SuggestedArticlesAnswer,
    async handler({ params, query, user }, services: ApiServices) {
      const ticket = await visibleTicket(services, user, params.ticketId);
      const basis = await subjectOf(services, ticket);
      const col = await services.readModels.collection<ArticleDoc>(ARTICLES);
      const about = [...(basis.applianceModelId ? [{ applianceModelId: basis.applianceModelId }] : []), ...(basis.category ? [{ category: basis.category }] : [])];
      const bySubject = about.length > 0 ? await col.find({ retired: false, $or: about }, { sort: { helpful: -1, _id: 1 }, limit: CANDIDATES_BY_SUBJECT }) : [];
      const byText = (await services.readModels.search<ArticleDoc>(ARTICLES, ticket.problem, { filter: { retired: false }, limit: CANDIDATES_BY_TEXT })).map((h) => h.document);
      const candidates = new Map([...bySubject, ...byText].map((a) => [a.articleId, a]));
      const ranked = suggestArticles({ applianceModelId: basis.applianceModelId, category: basis.category, problem: ticket.problem }, [...candidates.values()], query.limit);
      const answer = SuggestedArticlesAnswer.parse({
        ticketId: ticket.ticketId,
        basis,
        suggestions: ranked.map(({ articleId, ...why }) => ({ ...why, article: view(candidates.get(articleId)!) })),
      });
      return { status: 200, body: answer };
    },
  }),
  route({
    method: 'get',
    path: '/kb/search',
    operationId: 'searchArticles',
    summary: 'Search published articles: ranked full-text hits on title, problem, fix and tags, optionally for a model or category',
    tag: 'Knowledge base',
    roles: ALL_ROLES,
    query: z
      .object({
        q: z.string().trim().min(1).max(500).optional(),
        applianceModelId: Id.optional(),
        category: z.string().trim().min(1).max(100).optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      })
      .refine((q) => q.q !== undefined || q.applianceModelId !== undefined || q.category !== undefined, { message: 'give q, applianceModelId or category', path: ['q'] }),
    success: 200,
    response: SearchHits,
    async handler({ query }, services: ApiServices) {
      const filter = {
        retired: false,
        ...(query.applianceModelId ? { applianceModelId: query.applianceModelId } : {}),
        ...(query.category ? { category: query.category } : {}),
      };
      if (query.q) {
        const hits = await services.readModels.search<ArticleDoc>(ARTICLES, query.q, { filter, limit: query.limit });
        return { status: 200, body: { hits: hits.map((h) => ({ score: h.score, article: view(h.document) })) } satisfies z.infer<typeof SearchHits> };
      }
      const docs = await (await services.readModels.collection<ArticleDoc>(ARTICLES)).find(filter, { sort: { helpful: -1, updatedAt: -1 }, limit: query.limit });
      return { status: 200, body: { hits: docs.map((d) => ({ score: null, article: view(d) })) } satisfies z.infer<typeof SearchHits> };
    },
  }),
];
