import fc from 'fast-check';
import { ArticleCandidate, problemWords, suggestArticles, TicketSubject } from '../suggestions';

const article = (articleId: string, over: Partial<ArticleCandidate> = {}): ArticleCandidate => ({
  articleId,
  title: 'Untitled',
  problem: '',
  tags: [],
  applianceModelId: null,
  category: null,
  retired: false,
  helpful: 0,
  notHelpful: 0,
  ...over,
});
const ticket: TicketSubject = { applianceModelId: 'whirlpool-wtw5000', category: 'washer', problem: 'The washer is leaking water on the floor during the spin cycle' };

describe('suggested articles', () => {
  it('compares problem words without case, accents, filler words and common endings', () => {
    expect(problemWords('The washer is LEAKING water; it leaks, it leaked — Déjà vu')).toEqual(['washer', 'leak', 'water', 'deja', 'vu']);
    expect(problemWords('Batteries dried after cleaning')).toEqual(['battery', 'dry', 'clean']);
  });

  it('weighs the same model, the same category and the shared words; ties go to helpful articles', () => {
    const suggestions = suggestArticles(ticket, [
      article('words-only', { title: 'Water on the floor after the spin cycle', problem: 'Leaking dishwasher door', category: 'dishwasher' }),
      article('category', { title: 'Washer leaks water', category: 'washer' }),
      article('model', { title: 'Drum does not turn', applianceModelId: 'whirlpool-wtw5000', category: 'washer' }),
      article('model-and-words', { title: 'Tub seal leaks during spin', problem: 'Water on the floor', applianceModelId: 'whirlpool-wtw5000', category: 'washer', tags: ['leak'] }),
      article('category-rated', { title: 'Washer leaks water', category: 'washer', helpful: 4 }),
    ]);
    expect(suggestions.map((s) => s.articleId)).toEqual(['model-and-words', 'model', 'category-rated', 'category', 'words-only']);
    expect(suggestions[0]).toEqual({ articleId: 'model-and-words', score: 0.875, matchedOn: ['model', 'category', 'words'], sharedWords: ['leak', 'water', 'floor', 'spin'] });
    expect(suggestions[4]).toMatchObject({ matchedOn: ['words'], sharedWords: ['washer', 'leak', 'water', 'floor', 'spin', 'cycle'].filter((w) => w !== 'washer') });
  });

  it('leaves out retired articles, unrelated ones and those sharing a single word only; keeps to the limit', () => {
    const suggestions = suggestArticles(ticket, [
      article('retired', { applianceModelId: 'whirlpool-wtw5000', retired: true }),
      article('unrelated', { title: 'Oven does not heat', category: 'oven' }),
      article('one-word', { title: 'Fridge water dispenser', category: 'refrigerator' }),
      ...[1, 2, 3, 4, 5, 6, 7].map((n) => article(`washer-${n}`, { category: 'washer' })),
    ], 3);
    expect(suggestions.map((s) => s.articleId)).toEqual(['washer-1', 'washer-2', 'washer-3']);
  });

  it('never suggests an article twice, nor a retired one, and keeps best first', () =>
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            articleId: fc.constantFrom('a1', 'a2', 'a3', 'a4', 'a5'),
            title: fc.constantFrom('washer leaks water', 'dryer does not heat', 'drum noise', ''),
            applianceModelId: fc.constantFrom(null, 'whirlpool-wtw5000', 'lg-dle3400w'),
            category: fc.constantFrom(null, 'washer', 'dryer'),
            retired: fc.boolean(),
            helpful: fc.nat(5),
            notHelpful: fc.nat(5),
          }),
          { maxLength: 12, selector: (c) => c.articleId },
        ),
        fc.integer({ min: 0, max: 6 }),
        (candidates, limit) => {
          const out = suggestArticles(ticket, candidates.map((c) => article(c.articleId, c)), limit);
          expect(out.length).toBeLessThanOrEqual(limit);
          expect(new Set(out.map((s) => s.articleId)).size).toBe(out.length);
          for (const s of out) expect(candidates.find((c) => c.articleId === s.articleId)!.retired).toBe(false);
          for (let i = 1; i < out.length; i++) expect(out[i - 1]!.score).toBeGreaterThanOrEqual(out[i]!.score);
          for (const s of out) expect(s.score).toBeGreaterThan(0);
          for (const s of out) expect(s.score).toBeLessThanOrEqual(1);
        },
      ),
    ));
});
