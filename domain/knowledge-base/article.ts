/**
 * Knowledge-base article: a problem and its fix for an appliance model or category, written by an
 * expert (often from a completed ticket) or by helpdesk/admin, revised over time, rated by readers
 * and eventually retired.
 *
 * Ratings: one vote per user. Voting again with the same value changes nothing; voting the other
 * way replaces the vote. `ArticleRated` carries the previous vote (null for a first vote) so a
 * projection can keep the helpful / not-helpful counts without reading the article's history.
 */
import { Actor, Command, Decider, DomainError, DomainEvent, Role } from '../decider';

// ---- events -------------------------------------------------------------------------------

export interface ArticleContent {
  title: string;
  problem: string;
  fix: string;
  /** Lower-case, trimmed, unique, in first-seen order. */
  tags: string[];
}

export type ArticleEvent =
  | DomainEvent<
      'ArticleWritten',
      ArticleContent & {
        articleId: string;
        applianceModelId: string | null;
        category: string | null;
        linkedTicketId: string | null;
        authorId: string;
        revision: 1;
        writtenAt: string;
      }
    >
  | DomainEvent<'ArticleRevised', ArticleContent & { articleId: string; revision: number; revisedBy: string; revisedAt: string }>
  | DomainEvent<'ArticleRetired', { articleId: string; reason: string; retiredBy: string; retiredAt: string }>
  | DomainEvent<'ArticleRated', { articleId: string; userId: string; helpful: boolean; previous: boolean | null; ratedAt: string }>;

// ---- commands -----------------------------------------------------------------------------

export type ArticleCommand =
  | Command<
      'writeArticle',
      ArticleContent & {
        articleId: string;
        /** At least one of applianceModelId and category says what the article is about. */
        applianceModelId?: string;
        category?: string;
        linkedTicketId?: string;
      }
    >
  | Command<'reviseArticle', ArticleContent & { articleId: string }>
  | Command<'retireArticle', { articleId: string; reason: string }>
  | Command<'rateArticle', { articleId: string; helpful: boolean }>;

// ---- state --------------------------------------------------------------------------------

export type ArticleState =
  | { status: 'unknown' }
  | (ArticleContent & {
      status: 'published' | 'retired';
      articleId: string;
      applianceModelId: string | null;
      category: string | null;
      linkedTicketId: string | null;
      authorId: string;
      revision: number;
      /** Each user's current vote: true = helpful. */
      votes: Record<string, boolean>;
      helpful: number;
      notHelpful: number;
    });

type Existing = Exclude<ArticleState, { status: 'unknown' }>;

// ---- decider ------------------------------------------------------------------------------

const WRITERS: ReadonlyArray<Role> = ['expert', 'helpdesk', 'admin'];
/** Besides the author, these roles may revise or retire anyone's article. */
const EDITORS: ReadonlyArray<Role> = ['helpdesk', 'admin'];

export const articleDecider: Decider<ArticleState, ArticleCommand, ArticleEvent> = {
  initialState: () => ({ status: 'unknown' }),

  evolve(state, event) {
    if (event.type === 'ArticleWritten') {
      const { articleId, title, problem, fix, tags, applianceModelId, category, linkedTicketId, authorId, revision } = event.data;
      return {
        status: 'published',
        articleId,
        title,
        problem,
        fix,
        tags,
        applianceModelId,
        category,
        linkedTicketId,
        authorId,
        revision,
        votes: {},
        helpful: 0,
        notHelpful: 0,
      };
    }
    if (state.status === 'unknown') return state;
    switch (event.type) {
      case 'ArticleRevised': {
        const { title, problem, fix, tags, revision } = event.data;
        return { ...state, title, problem, fix, tags, revision };
      }
      case 'ArticleRetired':
        return { ...state, status: 'retired' };
      case 'ArticleRated': {
        const previous = voteOf(state.votes, event.data.userId);
        const helpful = state.helpful - (previous === true ? 1 : 0) + (event.data.helpful ? 1 : 0);
        const notHelpful = state.notHelpful - (previous === false ? 1 : 0) + (event.data.helpful ? 0 : 1);
        return { ...state, votes: { ...state.votes, [event.data.userId]: event.data.helpful }, helpful, notHelpful };
      }
    }
  },

  decide(command, state) {
    const now = command.metadata.now.toISOString();
    const { actor } = command.metadata;
    switch (command.type) {
      case 'writeArticle': {
        if (!WRITERS.includes(actor.role)) throw new DomainError('forbidden', `a ${actor.role} may not write articles`);
        if (state.status !== 'unknown') throw new DomainError('article-already-exists', `article ${command.data.articleId} already exists`);
        const content = normalizedContent(command.data);
        const applianceModelId = optional(command.data.applianceModelId);
        const category = optional(command.data.category);
        if (applianceModelId === null && category === null) {
          throw new DomainError('subject-required', 'an article is about an appliance model or a category');
        }
        return [
          {
            type: 'ArticleWritten',
            data: {
              articleId: command.data.articleId,
              ...content,
              applianceModelId,
              category,
              linkedTicketId: optional(command.data.linkedTicketId),
              authorId: actor.userId,
              revision: 1,
              writtenAt: now,
            },
          },
        ];
      }
      case 'reviseArticle': {
        const article = existing(state, command.data.articleId);
        assertEditor(actor, article, 'revise');
        if (article.status === 'retired') throw new DomainError('article-retired', `article ${article.articleId} is retired`);
        const content = normalizedContent(command.data);
        if (
          content.title === article.title &&
          content.problem === article.problem &&
          content.fix === article.fix &&
          content.tags.length === article.tags.length &&
          content.tags.every((tag, i) => tag === article.tags[i])
        ) {
          return [];
        }
        return [{ type: 'ArticleRevised', data: { articleId: article.articleId, ...content, revision: article.revision + 1, revisedBy: actor.userId, revisedAt: now } }];
      }
      case 'retireArticle': {
        const article = existing(state, command.data.articleId);
        assertEditor(actor, article, 'retire');
        if (article.status === 'retired') throw new DomainError('article-retired', `article ${article.articleId} is already retired`);
        if (!command.data.reason.trim()) throw new DomainError('reason-required', 'retiring an article needs a reason');
        return [{ type: 'ArticleRetired', data: { articleId: article.articleId, reason: command.data.reason.trim(), retiredBy: actor.userId, retiredAt: now } }];
      }
      case 'rateArticle': {
        if (actor.role === 'system') throw new DomainError('forbidden', 'only people rate articles');
        const article = existing(state, command.data.articleId);
        if (article.status === 'retired') throw new DomainError('article-retired', `article ${article.articleId} is retired`);
        if (actor.userId === article.authorId) throw new DomainError('own-article', 'authors cannot rate their own article');
        const previous = voteOf(article.votes, actor.userId);
        if (previous === command.data.helpful) return [];
        return [{ type: 'ArticleRated', data: { articleId: article.articleId, userId: actor.userId, helpful: command.data.helpful, previous, ratedAt: now } }];
      }
    }
  },
};

/** Tags as stored: trimmed, lower-case, without empties or repeats, in first-seen order. */
export function normalizeTags(tags: ReadonlyArray<string>): string[] {
  const out: string[] = [];
  for (const tag of tags) {
    const t = tag.trim().toLowerCase().replace(/\s+/g, ' ');
    if (t && !out.includes(t)) out.push(t);
  }
  return out;
}

function normalizedContent(content: ArticleContent): ArticleContent {
  const title = content.title.trim();
  const problem = content.problem.trim();
  const fix = content.fix.trim();
  if (!title) throw new DomainError('invalid-article', 'an article needs a title');
  if (!problem) throw new DomainError('invalid-article', 'an article describes the problem');
  if (!fix) throw new DomainError('invalid-article', 'an article describes the fix');
  return { title, problem, fix, tags: normalizeTags(content.tags) };
}

/** A user's current vote (own properties only: a user id like 'constructor' is just an id). */
function voteOf(votes: Record<string, boolean>, userId: string): boolean | null {
  return Object.hasOwn(votes, userId) ? votes[userId] : null;
}

function optional(value: string | undefined): string | null {
  const v = value?.trim();
  return v ? v : null;
}

function existing(state: ArticleState, articleId: string): Existing {
  if (state.status === 'unknown') throw new DomainError('article-not-found', `no article ${articleId}`);
  return state;
}

function assertEditor(actor: Actor, article: Existing, what: string): void {
  if (actor.userId !== article.authorId && !EDITORS.includes(actor.role)) {
    throw new DomainError('forbidden', `only the author, helpdesk or an admin may ${what} article ${article.articleId}`);
  }
}
