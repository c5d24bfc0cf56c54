import { ArticleEvent } from '../../../domain/knowledge-base/article';
import { inStream, specifyProjection } from '../../../testing/projection-specification';
import { ARTICLES, articlesProjection } from '../projection';

const spec = specifyProjection(articlesProjection);
const stream = 'article-a1';
const writtenAt = '2026-03-01T10:00:00.000Z';
const written: ArticleEvent = {
  type: 'ArticleWritten',
  data: {
    articleId: 'a1',
    title: 'Washer drum does not spin',
    problem: 'The drum hums but does not turn.',
    fix: 'Replace the drive belt.',
    tags: ['washer', 'belt'],
    applianceModelId: 'm1',
    category: null,
    linkedTicketId: 't1',
    authorId: 'e1',
    revision: 1,
    writtenAt,
  },
};
const article = {
  _id: 'a1',
  articleId: 'a1',
  title: 'Washer drum does not spin',
  problem: 'The drum hums but does not turn.',
  fix: 'Replace the drive belt.',
  tags: ['washer', 'belt'],
  applianceModelId: 'm1',
  category: null,
  linkedTicketId: 't1',
  authorId: 'e1',
  revision: 1,
  retired: false,
  helpful: 0,
  notHelpful: 0,
  writtenAt,
  updatedAt: writtenAt,
};
const rated = (userId: string, helpful: boolean, previous: boolean | null): ArticleEvent => ({ type: 'ArticleRated', data: { articleId: 'a1', userId, helpful, previous, ratedAt: writtenAt } });

describe('knowledge-base articles read model', () => {
  it('holds a written article, unrated', () => spec.given().when(...inStream(stream, [written])).then({ [ARTICLES]: [article] }));

  it('takes the content of the latest revision, and marks retirement', () =>
    spec
      .given(...inStream(stream, [written]))
      .when(
        ...inStream<ArticleEvent>(stream, [
          {
            type: 'ArticleRevised',
            data: { articleId: 'a1', title: 'Drum does not spin', problem: 'Hums, no turn.', fix: 'Replace the belt; check the motor brushes.', tags: ['washer'], revision: 2, revisedBy: 'e2', revisedAt: '2026-03-03T00:00:00.000Z' },
          },
          { type: 'ArticleRetired', data: { articleId: 'a1', reason: 'duplicate', retiredBy: 'helpdesk-1', retiredAt: '2026-03-04T00:00:00.000Z' } },
        ]),
      )
      .then({
        [ARTICLES]: [
          { ...article, title: 'Drum does not spin', problem: 'Hums, no turn.', fix: 'Replace the belt; check the motor brushes.', tags: ['washer'], revision: 2, retired: true, updatedAt: '2026-03-04T00:00:00.000Z' },
        ],
      }));

  it('counts each reader once: a changed rating moves from one count to the other', () =>
    spec
      .given(...inStream(stream, [written]))
      .when(...inStream(stream, [rated('u1', true, null), rated('u2', true, null), rated('u3', false, null), rated('u1', false, true)]))
      .then({ [ARTICLES]: [{ ...article, helpful: 1, notHelpful: 2 }] }));

  it('ignores events of an article it never saw written', () => spec.given().when(...inStream('article-a2', [{ ...rated('u1', true, null), data: { ...rated('u1', true, null).data, articleId: 'a2' } }])).then({ [ARTICLES]: [] }));
});
