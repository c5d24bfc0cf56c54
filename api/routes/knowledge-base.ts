import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { articles } from '../../commands/article';
import { ArticleDoc, ARTICLES } from '../../projections/articles/projection';
import { route } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { ALL_ROLES } from './roles';

const WRITERS = ['expert', 'helpdesk', 'admin'] as const;
const Id = z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
const ArticleParams = z.object({ articleId: Id });
const Content = {
  title: z.string().trim().min(1).max(200),
  problem: z.string().trim().min(1).max(10_000),
  fix: z.string().trim().min(1).max(20_000),
  tags: z.array(z.string().trim().min(1).max(50)).max(30).default([]),
};

function view(doc: ArticleDoc) {
  const { _id, ...rest } = doc;
  return rest;
}

async function articleDoc(services: ApiServices, articleId: string): Promise<ArticleDoc> {
  const doc = await (await services.readModels.collection<ArticleDoc>(ARTICLES)).findOne({ _id: articleId });
  if (!doc) throw new HttpProblem(404, 'Not found', `No article ${articleId}.`);
  return doc;
}

export const knowledgeBaseRoutes = [
  route({
    method: 'post',
    path: '/kb/articles',
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
    async handler(request, services: ApiServices) {
      const { body } = request;
      const articleId = randomUUID();
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
        metadata: request.command(),
      });
      const id = result.state.status === 'unknown' ? articleId : result.state.articleId;
      return { status: 201, body: { articleId: id, revision: 1 }, headers: { Location: `/kb/articles/${id}` }, position: result.position };
    },
  }),
  route({
    method: 'put',
    path: '/kb/articles/:articleId',
    readsNext: ['articles'],
    summary: 'Revise an article (its author, helpdesk or admin)',
    tag: 'Knowledge base',
    roles: WRITERS,
    params: ArticleParams,
    body: z.object(Content),
    idempotent: true,
    success: 200,
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      const result = await send(services.commands, articles, { type: 'reviseArticle', data: { articleId: params.articleId, ...body }, metadata: request.command() });
      const revision = result.state.status === 'unknown' ? null : result.state.revision;
      return { status: 200, body: { articleId: params.articleId, revision }, position: result.position };
    },
  }),
  route({
    method: 'post',
    path: '/kb/articles/:articleId/retire',
    readsNext: ['articles'],
    summary: 'Retire an article (its author, helpdesk or admin): it leaves search',
    tag: 'Knowledge base',
    roles: WRITERS,
    params: ArticleParams,
    body: z.object({ reason: z.string().trim().min(1).max(500) }),
    idempotent: true,
    success: 200,
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      const result = await send(services.commands, articles, { type: 'retireArticle', data: { articleId: params.articleId, reason: body.reason }, metadata: request.command() });
      return { status: 200, body: { articleId: params.articleId, retired: true }, position: result.position };
    },
  }),
  route({
    method: 'post',
    path: '/kb/articles/:articleId/rating',
    readsNext: ['articles'],
    summary: 'Rate an article helpful or not: one vote per user, voting again replaces it',
    tag: 'Knowledge base',
    roles: ALL_ROLES,
    params: ArticleParams,
    body: z.object({ helpful: z.boolean() }),
    idempotent: true,
    success: 200,
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      const result = await send(services.commands, articles, { type: 'rateArticle', data: { articleId: params.articleId, helpful: body.helpful }, metadata: request.command() });
      const s = result.state;
      return {
        status: 200,
        body: { articleId: params.articleId, helpful: body.helpful, counts: s.status === 'unknown' ? null : { helpful: s.helpful, notHelpful: s.notHelpful } },
        position: result.position,
      };
    },
  }),
  route({
    method: 'get',
    path: '/kb/articles/:articleId',
    summary: 'One article',
    tag: 'Knowledge base',
    roles: ALL_ROLES,
    params: ArticleParams,
    success: 200,
    async handler({ params }, services: ApiServices) {
      return { status: 200, body: view(await articleDoc(services, params.articleId)) };
    },
  }),
  route({
    method: 'get',
    path: '/kb/search',
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
    async handler({ query }, services: ApiServices) {
      const filter = {
        retired: false,
        ...(query.applianceModelId ? { applianceModelId: query.applianceModelId } : {}),
        ...(query.category ? { category: query.category } : {}),
      };
      if (query.q) {
        const hits = await services.readModels.search<ArticleDoc>(ARTICLES, query.q, { filter, limit: query.limit });
        return { status: 200, body: { hits: hits.map((h) => ({ score: h.score, article: view(h.document) })) } };
      }
      const docs = await (await services.readModels.collection<ArticleDoc>(ARTICLES)).find(filter, { sort: { helpful: -1, updatedAt: -1 }, limit: query.limit });
      return { status: 200, body: { hits: docs.map((d) => ({ score: null, article: view(d) })) } };
    },
  }),
];
