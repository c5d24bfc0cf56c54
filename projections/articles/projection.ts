import { Document } from '../../document-store/port';
import { ArticleEvent } from '../../domain/knowledge-base/article';
import { Projection } from '../projection';

/**
 * The `kb_articles` read model: the current content of every knowledge-base article, with a
 * text index on title, problem, fix and tags (ranked search), and the rating counts.
 */
export interface ArticleDoc extends Document {
  articleId: string;
  title: string;
  problem: string;
  fix: string;
  tags: string[];
  applianceModelId: string | null;
  category: string | null;
  linkedTicketId: string | null;
  authorId: string;
  revision: number;
  retired: boolean;
  helpful: number;
  notHelpful: number;
  writtenAt: string;
  updatedAt: string;
}

export const ARTICLES = 'kb_articles';

export const articlesProjection: Projection = {
  name: 'articles',
  version: 1,
  eventTypes: ['ArticleWritten', 'ArticleRevised', 'ArticleRetired', 'ArticleRated'],
  collections: {
    [ARTICLES]: [
      { keys: { title: 'text', problem: 'text', fix: 'text', tags: 'text' }, name: 'article_text' },
      { keys: { applianceModelId: 1 }, name: 'by_model' },
      { keys: { category: 1 }, name: 'by_category' },
    ],
  },
  async handle(event, { collection }) {
    const articles = collection<ArticleDoc>(ARTICLES);
    const e = event as unknown as ArticleEvent;
    const id = e.data.articleId;
    if (e.type === 'ArticleWritten') {
      const d = e.data;
      await articles.replaceOne(
        { _id: id },
        {
          _id: id,
          articleId: id,
          title: d.title,
          problem: d.problem,
          fix: d.fix,
          tags: d.tags,
          applianceModelId: d.applianceModelId,
          category: d.category,
          linkedTicketId: d.linkedTicketId,
          authorId: d.authorId,
          revision: d.revision,
          retired: false,
          helpful: 0,
          notHelpful: 0,
          writtenAt: d.writtenAt,
          updatedAt: d.writtenAt,
        },
        { upsert: true },
      );
      return;
    }
    const current = await articles.findOne({ _id: id });
    if (!current) return;
    switch (e.type) {
      case 'ArticleRevised': {
        const { title, problem, fix, tags, revision, revisedAt } = e.data;
        await articles.replaceOne({ _id: id }, { ...current, title, problem, fix, tags, revision, updatedAt: revisedAt });
        return;
      }
      case 'ArticleRetired':
        await articles.replaceOne({ _id: id }, { ...current, retired: true, updatedAt: e.data.retiredAt });
        return;
      case 'ArticleRated': {
        const { helpful, previous } = e.data;
        await articles.replaceOne(
          { _id: id },
          {
            ...current,
            helpful: current.helpful - (previous === true ? 1 : 0) + (helpful ? 1 : 0),
            notHelpful: current.notHelpful - (previous === false ? 1 : 0) + (helpful ? 0 : 1),
          },
        );
        return;
      }
    }
  },
};
