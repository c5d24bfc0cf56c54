import fc from 'fast-check';
import { command, TEST_NOW } from '../../../testing/commands';
import { specifyDecider } from '../../../testing/decider-specification';
import { Actor, DomainError } from '../../decider';
import { ArticleCommand, articleDecider, ArticleEvent, ArticleState, normalizeTags } from '../article';

const EXPERT: Actor = { userId: 'u-e1', role: 'expert' };
const OTHER_EXPERT: Actor = { userId: 'u-e2', role: 'expert' };
const HELPDESK: Actor = { userId: 'u-h1', role: 'helpdesk' };
const ADMIN: Actor = { userId: 'u-a1', role: 'admin' };
const CUSTOMER: Actor = { userId: 'u-c1', role: 'customer' };
const SYSTEM: Actor = { userId: 'saga', role: 'system' };

const at = TEST_NOW.toISOString();
const content = { title: 'Washer does not drain', problem: 'Water stays in the drum', fix: 'Clean the pump filter', tags: ['drain', 'pump'] };
const written: ArticleEvent = {
  type: 'ArticleWritten',
  data: {
    articleId: 'a1',
    ...content,
    applianceModelId: 'wm-200',
    category: null,
    linkedTicketId: 't1',
    authorId: 'u-e1',
    revision: 1,
    writtenAt: at,
  },
};
const revisedContent = { ...content, fix: 'Clean the pump filter and check the hose', tags: ['drain', 'pump', 'hose'] };
const revised: ArticleEvent = { type: 'ArticleRevised', data: { articleId: 'a1', ...revisedContent, revision: 2, revisedBy: 'u-e1', revisedAt: at } };
const retired: ArticleEvent = { type: 'ArticleRetired', data: { articleId: 'a1', reason: 'model discontinued', retiredBy: 'u-h1', retiredAt: at } };
const rated = (userId: string, helpful: boolean, previous: boolean | null): ArticleEvent => ({
  type: 'ArticleRated',
  data: { articleId: 'a1', userId, helpful, previous, ratedAt: at },
});

const cmd = <T extends ArticleCommand['type']>(type: T, data: Extract<ArticleCommand, { type: T }>['data'], actor: Actor) =>
  command<ArticleCommand>(type, data, { actor });
const write = (data: Partial<Extract<ArticleCommand, { type: 'writeArticle' }>['data']> = {}, actor: Actor = EXPERT) =>
  cmd('writeArticle', { articleId: 'a1', ...content, applianceModelId: 'wm-200', linkedTicketId: 't1', ...data }, actor);

describe('Article', () => {
  const spec = specifyDecider(articleDecider);

  describe('writeArticle', () => {
    it('an expert writes an article from a ticket', () => spec.given().when(write()).then(written));
    it('normalizes the tags and trims the text', () =>
      spec
        .given()
        .when(write({ title: '  Washer does not drain ', tags: [' Drain', 'PUMP', 'drain', '  ', 'pump '] }))
        .then(written));
    it('an article may be about a category, without a ticket', () =>
      spec
        .given()
        .when(cmd('writeArticle', { articleId: 'a1', ...content, category: 'washer' }, HELPDESK))
        .then({ type: 'ArticleWritten', data: { ...written.data, applianceModelId: null, category: 'washer', linkedTicketId: null, authorId: 'u-h1' } } as ArticleEvent));
    it('needs a model or a category', () =>
      spec.given().when(cmd('writeArticle', { articleId: 'a1', ...content, applianceModelId: ' ' }, EXPERT)).thenFails('subject-required'));
    it('needs a title', () => spec.given().when(write({ title: ' ' })).thenFails('invalid-article'));
    it('needs the problem', () => spec.given().when(write({ problem: '' })).thenFails('invalid-article'));
    it('needs the fix', () => spec.given().when(write({ fix: '' })).thenFails('invalid-article'));
    it('rejects an id in use', () => spec.given(written).when(write({}, ADMIN)).thenFails('article-already-exists'));
    it('customers do not write articles', () => spec.given().when(write({}, CUSTOMER)).thenFails('forbidden'));
  });

  describe('reviseArticle', () => {
    it('the author revises, and the revision number goes up', () =>
      spec.given(written).when(cmd('reviseArticle', { articleId: 'a1', ...revisedContent }, EXPERT)).then(revised));
    it('helpdesk revises anyone’s article', () =>
      spec
        .given(written, revised)
        .when(cmd('reviseArticle', { articleId: 'a1', ...content }, HELPDESK))
        .then({ type: 'ArticleRevised', data: { articleId: 'a1', ...content, revision: 3, revisedBy: 'u-h1', revisedAt: at } }));
    it('an unchanged text is no revision', () =>
      spec.given(written).when(cmd('reviseArticle', { articleId: 'a1', ...content, tags: ['PUMP', 'drain'].reverse() }, EXPERT)).thenNothingHappens());
    it('another expert may not revise', () => spec.given(written).when(cmd('reviseArticle', { articleId: 'a1', ...revisedContent }, OTHER_EXPERT)).thenFails('forbidden'));
    it('a retired article is not revised', () =>
      spec.given(written, retired).when(cmd('reviseArticle', { articleId: 'a1', ...revisedContent }, EXPERT)).thenFails('article-retired'));
    it('rejects an empty fix', () => spec.given(written).when(cmd('reviseArticle', { articleId: 'a1', ...content, fix: ' ' }, EXPERT)).thenFails('invalid-article'));
    it('rejects an unknown article', () => spec.given().when(cmd('reviseArticle', { articleId: 'a1', ...content }, ADMIN)).thenFails('article-not-found'));
  });

  describe('retireArticle', () => {
    it('helpdesk retires an article', () => spec.given(written).when(cmd('retireArticle', { articleId: 'a1', reason: 'model discontinued' }, HELPDESK)).then(retired));
    it('the author may retire their article', () =>
      spec
        .given(written)
        .when(cmd('retireArticle', { articleId: 'a1', reason: 'wrong fix' }, EXPERT))
        .then({ type: 'ArticleRetired', data: { articleId: 'a1', reason: 'wrong fix', retiredBy: 'u-e1', retiredAt: at } }));
    it('needs a reason', () => spec.given(written).when(cmd('retireArticle', { articleId: 'a1', reason: '' }, HELPDESK)).thenFails('reason-required'));
    it('rejects a second retirement', () => spec.given(written, retired).when(cmd('retireArticle', { articleId: 'a1', reason: 'again' }, HELPDESK)).thenFails('article-retired'));
    it('another expert may not retire', () => spec.given(written).when(cmd('retireArticle', { articleId: 'a1', reason: 'meh' }, OTHER_EXPERT)).thenFails('forbidden'));
    it('rejects an unknown article', () => spec.given().when(cmd('retireArticle', { articleId: 'a1', reason: 'x' }, ADMIN)).thenFails('article-not-found'));
  });

  describe('rateArticle', () => {
    it('a reader finds it helpful', () => spec.given(written).when(cmd('rateArticle', { articleId: 'a1', helpful: true }, CUSTOMER)).then(rated('u-c1', true, null)));
    it('voting the same again changes nothing', () =>
      spec.given(written, rated('u-c1', true, null)).when(cmd('rateArticle', { articleId: 'a1', helpful: true }, CUSTOMER)).thenNothingHappens());
    it('voting the other way replaces the vote', () =>
      spec.given(written, rated('u-c1', true, null)).when(cmd('rateArticle', { articleId: 'a1', helpful: false }, CUSTOMER)).then(rated('u-c1', false, true)));
    it('authors cannot rate their own article', () => spec.given(written).when(cmd('rateArticle', { articleId: 'a1', helpful: true }, EXPERT)).thenFails('own-article'));
    it('a retired article is not rated', () =>
      spec.given(written, retired).when(cmd('rateArticle', { articleId: 'a1', helpful: false }, OTHER_EXPERT)).thenFails('article-retired'));
    it('the system does not vote', () => spec.given(written).when(cmd('rateArticle', { articleId: 'a1', helpful: true }, SYSTEM)).thenFails('forbidden'));
    it('rejects an unknown article', () => spec.given().when(cmd('rateArticle', { articleId: 'a1', helpful: true }, CUSTOMER)).thenFails('article-not-found'));
    it('counts votes, replacing changed ones', () => {
      const state = [written, rated('u-c1', true, null), rated('u-e2', true, null), rated('u-c1', false, true)].reduce(articleDecider.evolve, articleDecider.initialState());
      expect(state).toMatchObject({ helpful: 1, notHelpful: 1, votes: { 'u-c1': false, 'u-e2': true } });
    });
    it('a user id that names an Object property is just a user id', () => {
      const actor: Actor = { userId: 'constructor', role: 'customer' };
      spec.given(written).when(cmd('rateArticle', { articleId: 'a1', helpful: false }, actor)).then(rated('constructor', false, null));
    });
  });

  it('normalizeTags lower-cases, trims and removes repeats', () => expect(normalizeTags([' Door Seal ', 'door  seal', 'LEAK', ''])).toEqual(['door seal', 'leak']));

  describe('properties', () => {
    const arbActor = fc.constantFrom(EXPERT, OTHER_EXPERT, HELPDESK, ADMIN, CUSTOMER, SYSTEM, { userId: 'toString', role: 'customer' } as Actor);
    const arbCommand: fc.Arbitrary<ArticleCommand> = fc.oneof(
      { arbitrary: fc.tuple(fc.boolean(), arbActor).map(([helpful, actor]) => cmd('rateArticle', { articleId: 'a1', helpful }, actor)), weight: 6 },
      { arbitrary: arbActor.map((actor) => write({}, actor)), weight: 1 },
      {
        arbitrary: fc.tuple(fc.constantFrom(content, revisedContent), arbActor).map(([c, actor]) => cmd('reviseArticle', { articleId: 'a1', ...c }, actor)),
        weight: 1,
      },
      { arbitrary: arbActor.map((actor) => cmd('retireArticle', { articleId: 'a1', reason: 'outdated' }, actor)), weight: 1 },
    );

    function run(commands: ArticleCommand[]) {
      let state = articleDecider.initialState();
      const history: ArticleEvent[] = [];
      const states: ArticleState[] = [];
      for (const c of commands) {
        try {
          const events = articleDecider.decide(c, state);
          for (const event of events) {
            history.push(event);
            state = articleDecider.evolve(state, event);
            states.push(state);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
        }
      }
      return { state, history, states };
    }

    it('helpful / not-helpful counts always equal the current votes of each kind; one vote per user, never the author’s', () =>
      fc.assert(
        fc.property(fc.array(arbCommand, { maxLength: 40 }), (commands) => {
          const { history, states } = run([write(), ...commands]);
          // Model: the last vote each user cast, replayed from the events.
          const model = new Map<string, boolean>();
          states.forEach((s, i) => {
            const event = history[i];
            if (event.type === 'ArticleRated') {
              expect(event.data.previous).toBe(model.has(event.data.userId) ? model.get(event.data.userId) : null);
              expect(event.data.previous).not.toBe(event.data.helpful);
              model.set(event.data.userId, event.data.helpful);
            }
            if (s.status === 'unknown') throw new Error('the article was written first');
            const votes = Object.entries(s.votes);
            expect(votes).toHaveLength(model.size);
            expect(new Set(votes.map(([userId]) => userId)).size).toBe(votes.length);
            expect(s.helpful).toBe(votes.filter(([, v]) => v).length);
            expect(s.notHelpful).toBe(votes.filter(([, v]) => !v).length);
            expect(s.helpful + s.notHelpful).toBe(model.size);
            expect(Object.hasOwn(s.votes, s.authorId)).toBe(false);
          });
        }),
      ));

    it('revisions are numbered 1, 2, 3… and nothing happens after retirement', () =>
      fc.assert(
        fc.property(fc.array(arbCommand, { maxLength: 40 }), (commands) => {
          const { history } = run([write(), ...commands]);
          const revisions = history.flatMap((e) => (e.type === 'ArticleWritten' || e.type === 'ArticleRevised' ? [e.data.revision] : []));
          expect(revisions).toEqual(revisions.map((_, i) => i + 1));
          const retiredAt = history.findIndex((e) => e.type === 'ArticleRetired');
          if (retiredAt >= 0) expect(retiredAt).toBe(history.length - 1);
        }),
      ));

    it('folding the same history twice gives the same state', () =>
      fc.assert(
        fc.property(fc.array(arbCommand, { maxLength: 40 }), (commands) => {
          const { history, state } = run(commands);
          const fold = () => history.reduce(articleDecider.evolve, articleDecider.initialState());
          expect(fold()).toEqual(fold());
          expect(fold()).toEqual(state);
        }),
      ));
  });
});
